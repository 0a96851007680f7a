"""Argument types shared by the command line's modules (cli.py, cli_entry.py, cli_review.py)."""
from __future__ import annotations

import argparse


def year(text: str) -> int:
    """A year the reporting cycle can have (not 0 or 99999, which date arithmetic refuses in English);
    the range of the ledgers' dates (validation.MIN_YEAR, the templates' date check)."""
    if not text.strip().isdigit() or not 2000 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"年份应是 2000–2100 之间的数字，不能是「{text}」")
    return int(text)
