"""Render an export (.pptx, .xlsx, .docx) to PDF and PNG pages, the way LibreOffice shows it.

    .venv/bin/python tools/render.py FILE [FILE ...] [-o OUTDIR] [--dpi 60]

Writes OUTDIR/<stem>_<ext>.pdf and OUTDIR/<stem>_<ext>-<page>.png (default OUTDIR: beside the
file; the extension is kept in the name so a deck and a workbook of one name do not overwrite each
other) and prints the page files. Each run uses its own LibreOffice profile (-env:UserInstallation) in a temporary
directory, so parallel runs never wait on or corrupt each other's profile lock.
Needs `soffice` (Debian libreoffice-impress/-writer/-calc) and `pdftoppm` (poppler-utils).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def to_pdf(src: Path, outdir: Path, timeout: int = 240) -> Path:
    """Convert one Office file to PDF with LibreOffice headless; returns the PDF's path."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("soffice not found: install libreoffice-impress, -writer and -calc (tools/setup.sh --dev)")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="render-") as tmp:
        profile, made = Path(tmp) / "profile", Path(tmp) / "out"
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(made), str(src)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
        written = made / (src.stem + ".pdf")
        if not written.exists():
            raise RuntimeError(f"LibreOffice wrote no PDF for {src}")
        pdf = outdir / f"{src.stem}_{src.suffix.lstrip('.')}.pdf"
        shutil.move(str(written), pdf)
    return pdf


def to_pdfs(sources: list[Path], outdir: Path, timeout: int = 600) -> list[Path]:
    """Convert several Office files in one LibreOffice run (one start-up, one private profile);
    returns <stem>_<ext>.pdf for each, in order (a deck and a workbook of one name do not clash)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("soffice not found: install libreoffice-impress, -writer and -calc (tools/setup.sh --dev)")
    outdir.mkdir(parents=True, exist_ok=True)
    out = []
    with tempfile.TemporaryDirectory(prefix="render-") as tmp:
        profile, inbox, made = Path(tmp) / "profile", Path(tmp) / "in", Path(tmp) / "out"
        inbox.mkdir()
        named = []
        for src in sources:
            copy = inbox / f"{src.stem}_{src.suffix.lstrip('.')}{src.suffix}"
            shutil.copyfile(src, copy)
            named.append(copy)
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(made), *map(str, named)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
        for src, copy in zip(sources, named):
            written = made / (copy.stem + ".pdf")
            if not written.exists():
                raise RuntimeError(f"LibreOffice wrote no PDF for {src}")
            pdf = outdir / written.name
            shutil.move(str(written), pdf)
            out.append(pdf)
    return out


def to_png(pdf: Path, outdir: Path, dpi: int = 60) -> list[Path]:
    """Every page of a PDF as <stem>-<n>.png (pdftoppm); returns the files in page order."""
    for old in outdir.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(outdir / pdf.stem)], check=True,
                   capture_output=True)
    pages = list(outdir.glob(f"{pdf.stem}-*.png"))
    return sorted(pages, key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def render(src: Path, outdir: Path | None = None, dpi: int = 60) -> tuple[Path, list[Path]]:
    """PDF and PNG pages of one export."""
    outdir = outdir or src.parent
    pdf = to_pdf(src, outdir)
    return pdf, to_png(pdf, outdir, dpi)


def render_all(sources: list[Path], outdir: Path, dpi: int = 60) -> list[tuple[Path, list[Path]]]:
    """PDF and PNG pages of several exports, converted in one LibreOffice run."""
    return [(pdf, to_png(pdf, outdir, dpi)) for pdf in to_pdfs(sources, outdir)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Render .pptx/.xlsx/.docx exports to PDF and PNG pages (LibreOffice).")
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("-o", "--outdir", type=Path)
    ap.add_argument("--dpi", type=int, default=60)
    args = ap.parse_args(argv)
    by_dir: dict[Path, list[Path]] = {}
    for src in args.files:
        by_dir.setdefault(args.outdir or src.parent, []).append(src)
    for outdir, sources in by_dir.items():
        for src, (pdf, pages) in zip(sources, render_all(sources, outdir, args.dpi)):
            print(f"{src}: {pdf} ({len(pages)} pages)")
            for p in pages:
                print(f"  {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
