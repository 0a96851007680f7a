"""What an uploaded file really is, and what reading it would cost, judged before any library inflates it.

The readers (calamine via fastexcel) trust a file: they inflate every part whole, allocate a sheet's
full rectangle (one stray cell at XFD1048576 asks for 512 GiB) and copy a shared string into every
cell that uses it. So before they see a byte, this package, one module per container kind,

- names the file by its content (HTML, XML 2003, text, PDF, Word, an encrypted package, ...), never
  by a library's English error (kinds.py);
- checks a zip's declared sizes and ratios, then inflates each part it needs as a stream, so that a
  part larger than it claims is caught at its claimed size (Bad CRC), never in memory (zipparts.py,
  xlsx.py);
- measures each sheet's real extent from its cells (not its `<dimension>`), the text its cells would
  copy from the shared strings, and finds formulas without a saved result and error cells
  (sheetxml.py: a plain sheet in a few C-speed passes a chunk, any other cell by cell);
- walks an .xls's BIFF records for the same, and for its merged ranges (ole.py);
- decodes and splits a CSV within the same limits (text.py).

Every refusal is an `Unreadable` with a problem code of problems.MESSAGES; the limits are in limits.py.
"""
from __future__ import annotations

from . import text
from .kinds import kind_of
from .limits import (CHUNK, ERROR_CODES, EXCEL_COLS, EXCEL_ROWS, MAX_CELLS, MAX_COLUMNS, MAX_ENTRIES, MAX_INFLATED,
                     MAX_MERGES, MAX_RATIO, MAX_SHEET_CELLS, MAX_SHEETS, MAX_TEXT, OLE_MAGIC, RATIO_FLOOR, SheetInfo,
                     Unreadable, col_letters, col_number)
from .ole import inspect_ole, scan_biff
from .sheetxml import _scan_plain, _scan_sheet, at_most
from .xlsx import _shared_string_bound, _shared_string_lengths, inspect_xlsx
from .zipparts import _declared_entries

__all__ = ["CHUNK", "ERROR_CODES", "EXCEL_COLS", "EXCEL_ROWS", "MAX_CELLS", "MAX_COLUMNS", "MAX_ENTRIES", "MAX_INFLATED",
           "MAX_MERGES", "MAX_RATIO", "MAX_SHEET_CELLS", "MAX_SHEETS", "MAX_TEXT", "OLE_MAGIC", "RATIO_FLOOR", "SheetInfo",
           "Unreadable", "col_letters", "col_number", "inspect_ole", "inspect_xlsx", "kind_of", "scan_biff", "text",
           "_declared_entries", "_scan_plain", "_scan_sheet", "_shared_string_bound", "_shared_string_lengths", "at_most"]
