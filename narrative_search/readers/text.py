"""Plain and tab-separated text: one row per line, cells split at tabs.

The sample corpus is text extracted from PDF and Word files, so a tab marks
a table cell boundary and a line without tabs is prose.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError
from ..model import Cell, Row
from .common import FormatReader, SourceRows

# Control characters other than tab, newline, carriage return and form feed
# are a sign of a binary file that happens to decode.
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f"}

# Byte-order marks, longest first (UTF-32 LE starts with the UTF-16 LE mark).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# Encodings that charset_normalizer may name for English text written on
# Windows; cp1252 decodes the same bytes and also has the curly quotes and
# dashes that Latin-1 puts among its control characters.
_WESTERN = {"latin_1", "iso8859_1", "iso8859_15", "cp1252", "ascii", "cp850", "mac_roman"}


def decode_text(data: bytes, path: str | Path) -> tuple[str, str]:
    """Decode document bytes, detecting the encoding; returns (text, encoding).

    A byte-order mark decides first (UTF-8, UTF-16, UTF-32), then UTF-16
    without a mark is recognised by its zero bytes, then UTF-8 is tried, then
    charset_normalizer guesses (cp1252 for Windows-written English).
    Raises DocumentError for empty and binary content.
    """
    if not data.strip():
        raise DocumentError(path, "the file is empty")
    encoding = _bom_encoding(data) or _bomless_utf16(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            raise DocumentError(path, f"the file starts like {encoding} text but does not decode as it ({error.reason})") from None
        encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        if not text.strip():
            raise DocumentError(path, "the file is empty")
    elif b"\x00" in data[:65536]:
        raise DocumentError(path, "the file is binary, not text (it contains NUL bytes)")
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            cp1252 = _mostly_ascii_cp1252(data)
            if cp1252 is not None:
                text, encoding = cp1252, "cp1252"
            else:
                text, encoding = _detect_encoding(data, path)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in _ALLOWED_CONTROLS)
    if controls > max(8, len(text) // 100):
        raise DocumentError(path, "the file looks binary: too many control characters for text")
    return text, encoding


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _bomless_utf16(data: bytes) -> str | None:
    """utf-16-le or utf-16-be for text saved as UTF-16 without a mark.

    Mostly-ASCII text in UTF-16 has a zero byte in every other position;
    a binary file has zero bytes scattered over both positions.
    """
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd >= 0.4 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _mostly_ascii_cp1252(data: bytes) -> str | None:
    """The text as cp1252 if that is what it plainly is, else None.

    English written on Windows is ASCII but for a few dashes, curly quotes
    and pound signs; charset_normalizer, asked about a short file of that,
    often names a Central European code page. Text whose letters are
    almost all ASCII and that decodes as cp1252 is taken as cp1252; other
    text (Cyrillic, Greek, Polish, ...) is left to detection.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = sum(1 for ch in text if ch.isalpha())
    foreign = sum(1 for ch in text if ord(ch) > 127)
    return text if letters and foreign <= 0.05 * letters else None


def _detect_encoding(data: bytes, path: str | Path) -> tuple[str, str]:
    """Guess a legacy encoding; cp1252 wins a tie, being what English Windows writes."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    best = matches[0] if matches else None
    western = next((m for m in matches if m.encoding in _WESTERN), None)
    if best is None or (western is not None and western.chaos <= best.chaos + 0.01):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
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


def encoding_note(encoding: str) -> str | None:
    """A warning for text that was not UTF-8 (or ASCII), else None."""
    if encoding in ("utf-8", "ascii"):
        return None
    return f"the text is not UTF-8: read as {encoding}"


def read_plain_text(path: Path, data: bytes) -> SourceRows:
    """Rows of a text file's bytes, a line a row, with a warning if it was not UTF-8."""
    text, encoding = decode_text(data, path)
    note = encoding_note(encoding)
    return SourceRows(rows=rows_from_text(text), format="text", warnings=[note] if note else [], encoding=encoding)


TEXT = FormatReader(
    name="text",
    description="plain or tab-separated text",
    label="plain or tab-separated text",
    extensions=(".txt", ".tsv"),
    other_extensions=(".text", ".tab", ""),
    read=read_plain_text,
)
