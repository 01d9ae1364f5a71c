"""One entry point for every format: bytes in, rows out, or a clear refusal.

The format is decided by the file's content (see ``sniff``), the name only
telling text from CSV and vouching for HTML. Where the name says one thing
and the content another ("plan.pdf" that is text, "report.xls" that is a
web page), a readable content is read as what it is, with a warning naming
both; content no reader handles is refused, saying what it looks like.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError, EncryptedDocumentError, UnsupportedFormatError
from .common import SourceRows
from .sniff import Sniffed, sniff

# What each extension promises.
EXTENSION_FORMATS = {
    ".txt": "text", ".tsv": "text", ".text": "text", ".tab": "text", "": "text",
    ".csv": "csv",
    ".pdf": "pdf",
    ".docx": "docx", ".docm": "docx", ".dotx": "docx", ".dotm": "docx",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".xltx": "xlsx", ".xltm": "xlsx",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}
SUPPORTED_SUFFIXES = tuple(sorted(suffix for suffix in EXTENSION_FORMATS if suffix))

FORMAT_NAMES = {
    "text": "plain or tab-separated text",
    "csv": "CSV",
    "pdf": "a PDF",
    "docx": "a Word document (.docx)",
    "xlsx": "an Excel workbook (.xlsx)",
    "html": "a web page (HTML)",
}

# Extensions of formats that are known but not read, and what to do instead.
_UNSUPPORTED_ADVICE = {
    ".doc": "a Word 97-2003 document (.doc) is not supported: open it in Word or LibreOffice and save it as .docx or PDF",
    ".xls": "an Excel 97-2003 workbook (.xls) is not supported: open it in Excel or LibreOffice and save it as .xlsx or CSV",
    ".xlsb": "an Excel binary workbook (.xlsb) is not supported: save it as .xlsx",
    ".rtf": "Rich Text Format (.rtf) is not supported: save it as .docx or PDF",
    ".odt": "OpenDocument text (.odt) is not supported: save it as .docx or PDF",
    ".ods": "OpenDocument spreadsheets (.ods) are not supported: save it as .xlsx or CSV",
    ".pptx": "PowerPoint (.pptx) is not supported: save it as PDF",
    ".ppt": "PowerPoint (.ppt) is not supported: save it as PDF",
    ".mht": "web archives (.mht) are not supported: save the page as HTML",
    ".mhtml": "web archives (.mhtml) are not supported: save the page as HTML",
}

# What to do about content no reader handles.
_KIND_ADVICE = {
    "ole2": "Office 97-2003 files are not supported: save it as .docx, .xlsx or PDF",
    "encrypted-office": "open it, remove the password and save it again",
    "rtf": "RTF is not supported: save it as .docx or PDF",
    "opendocument": "OpenDocument files are not supported: save it as .docx, .xlsx or PDF",
    "pptx": "presentations are not supported: save it as PDF",
    "xlsb": "binary workbooks are not supported: save it as .xlsx",
    "zip": "unpack it and ingest the documents inside",
    "damaged-zip": "download it again",
    "image": "a scan needs OCR, which is not supported",
    "mhtml": "web archives are not supported: save the page as HTML",
}


def read_source(path: str | Path, data: bytes) -> SourceRows:
    """Rows of a file whose bytes are ``data``; raises DocumentError naming the file."""
    path = Path(path)
    suffix = path.suffix.lower()
    expected = EXTENSION_FORMATS.get(suffix)
    sniffed = sniff(data)
    kind = _readable_kind(sniffed, expected, suffix, data, path)
    warnings = []
    if expected is not None and expected != kind and not (expected == "html" and kind == "text"):
        warnings.append(
            f"the file is named {suffix or 'without an extension'} but is {FORMAT_NAMES[kind]}; read as {FORMAT_NAMES[kind]}"
        )
    elif expected is None:
        warnings.append(f"the file is named {suffix} but is {FORMAT_NAMES[kind]}; read as {FORMAT_NAMES[kind]}")
    if expected == "html" and kind == "text":
        kind = "html"  # a page without <html>: still HTML by its name
    try:
        result = _read(kind, path, data)
    except DocumentError:
        raise
    except MemoryError:
        raise DocumentError(path, f"the file is too large to read as {FORMAT_NAMES[kind]} in the memory available") from None
    except Exception as error:  # a reader library failing on a damaged file
        raise DocumentError(
            path, f"could not be read as {FORMAT_NAMES[kind]}: {type(error).__name__}: {error}"
        ) from None
    result.warnings[:0] = warnings
    return result


def _readable_kind(sniffed: Sniffed, expected: str | None, suffix: str, data: bytes, path: Path) -> str:
    """The reader to use, or a DocumentError saying why there is none."""
    if sniffed.kind in ("pdf", "docx", "xlsx", "html"):
        return sniffed.kind
    if sniffed.kind == "text":
        if expected in ("text", "csv", "html"):
            return expected
        if expected in ("pdf", "docx", "xlsx"):
            # Named as a document but not one: readable only if it is text.
            from .text import decode_text

            try:
                decode_text(data, path)
            except DocumentError as error:
                raise UnsupportedFormatError(
                    path,
                    f"the file is named {suffix} but is not {FORMAT_NAMES[expected]}: {_what_it_is(sniffed, expected, error)}",
                ) from None
            return "text"
        advice = _UNSUPPORTED_ADVICE.get(suffix)
        if advice:
            raise UnsupportedFormatError(path, advice)
        raise UnsupportedFormatError(
            path,
            f"unsupported file type {suffix!r}: supported are {', '.join(SUPPORTED_SUFFIXES)} "
            "(plain or tab-separated text, CSV, PDF, Word, Excel, HTML)",
        )
    # Content no reader handles.
    if sniffed.kind == "encrypted-office":
        raise EncryptedDocumentError(path, f"the file is {sniffed.description}: {_KIND_ADVICE[sniffed.kind]}")
    if sniffed.kind == "ole2" and suffix in (".doc", ".xls"):
        raise UnsupportedFormatError(path, _UNSUPPORTED_ADVICE[suffix])
    if suffix in _UNSUPPORTED_ADVICE and expected is None and _matches(suffix, sniffed):
        raise UnsupportedFormatError(path, _UNSUPPORTED_ADVICE[suffix])
    advice = _KIND_ADVICE.get(sniffed.kind, "")
    if expected is not None:
        message = f"the file is named {suffix or 'without an extension'} but is not {FORMAT_NAMES[expected]}: it is {sniffed.description}"
    else:
        message = f"the file is {sniffed.description}"
    raise UnsupportedFormatError(path, f"{message}; {advice}" if advice else f"{message}, which is not supported")


def _matches(suffix: str, sniffed: Sniffed) -> bool:
    """Whether the content is what the (unsupported) extension says."""
    return {
        ".doc": "ole2", ".xls": "ole2", ".ppt": "ole2", ".rtf": "rtf", ".odt": "opendocument",
        ".ods": "opendocument", ".pptx": "pptx", ".xlsb": "xlsb", ".mht": "mhtml", ".mhtml": "mhtml",
    }.get(suffix) == sniffed.kind


def _what_it_is(sniffed: Sniffed, expected: str, error: DocumentError) -> str:
    """Why bytes named as a document are not one, and what they look like."""
    looks = "it looks like binary data of no known format"
    if expected == "pdf":
        return f"it does not start with %PDF; {looks}"
    if expected in ("docx", "xlsx"):
        return f"such a file is a zip package and this is not one; {looks}"
    return error.reason


def _read(kind: str, path: Path, data: bytes) -> SourceRows:
    if kind == "text":
        from .text import decode_text, encoding_note, rows_from_text

        text, encoding = decode_text(data, path)
        note = encoding_note(encoding)
        return SourceRows(rows=rows_from_text(text), format="text", warnings=[note] if note else [], encoding=encoding)
    if kind == "csv":
        from .spreadsheet import read_csv

        return read_csv(data, path)
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(path)
    if kind == "docx":
        from .word import read_docx

        return read_docx(path)
    if kind == "xlsx":
        from .spreadsheet import read_xlsx

        return read_xlsx(path)
    if kind == "html":
        from .webpage import read_html

        return read_html(data, path)
    raise UnsupportedFormatError(path, f"no reader for {kind}")  # pragma: no cover - kinds come from above
