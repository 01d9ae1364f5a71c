"""Plain and tab-separated text: one row per line, cells split at tabs.

The sample corpus is text extracted from PDF and Word files, so a tab marks
a table cell boundary and a line without tabs is prose.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError
from ..model import Cell, Row

# Control characters other than tab, newline, carriage return and form feed
# are a sign of a binary file that happens to decode.
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f"}


def decode_text(data: bytes, path: str | Path) -> tuple[str, str]:
    """Decode document bytes, detecting the encoding; returns (text, encoding).

    Raises DocumentError for empty and binary content.
    """
    if not data.strip():
        raise DocumentError(path, "the file is empty")
    if b"\x00" in data[:65536]:
        raise DocumentError(path, "the file is binary, not text (it contains NUL bytes)")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _detect_encoding(data, path)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in _ALLOWED_CONTROLS)
    if controls > max(8, len(text) // 100):
        raise DocumentError(path, "the file looks binary: too many control characters for text")
    return text, encoding


def _detect_encoding(data: bytes, path: str | Path) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DocumentError(path, "the text encoding could not be detected (not UTF-8, and no other encoding fits)")
    return str(best), best.encoding


def rows_from_text(text: str) -> list[Row]:
    """Split text into rows (1-based lines), each line's cells split at tabs."""
    rows = []
    # split("\n") rather than splitlines(): the latter also breaks at form
    # feeds and Unicode separators, which would shift every later line number.
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        cells = [Cell(text=part, line=number, column=i) for i, part in enumerate(line.split("\t"))]
        rows.append(Row(cells=cells, line=number))
    return rows


def read_text(path: str | Path) -> list[Row]:
    path = Path(path)
    text, _encoding = decode_text(path.read_bytes(), path)
    return rows_from_text(text)
