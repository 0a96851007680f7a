"""Exports for meetings and the annual report: the deck (.pptx), the platform workbook (.xlsx) and
the drafted text (.docx). Each builder is a pure function of (conn, period, unit) returning bytes."""
