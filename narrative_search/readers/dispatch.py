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
from .common import FormatReader, SourceRows
from .registry import format_labels, reader_for_suffix, reader_named, supported_suffixes
from .sniff import Sniffed, sniff
from .text import TEXT, decode_text

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
    expected = reader_for_suffix(suffix)
    reader = _reader_to_use(sniff(data), expected, suffix, data, path)
    warnings = []
    if expected is None or expected.name != reader.name:
        warnings.append(
            f"the file is named {suffix or 'without an extension'} but is {reader.description}; read as {reader.description}"
        )
    try:
        result = reader.read(path, data)
    except DocumentError:
        raise
    except MemoryError:
        raise DocumentError(path, f"the file is too large to read as {reader.description} in the memory available") from None
    except Exception as error:  # a reader library failing on a damaged file
        raise DocumentError(
            path, f"could not be read as {reader.description}: {type(error).__name__}: {error}"
        ) from None
    result.warnings[:0] = warnings
    return result


def _reader_to_use(
    sniffed: Sniffed, expected: FormatReader | None, suffix: str, data: bytes, path: Path
) -> FormatReader:
    """The reader to use, or a DocumentError saying why there is none."""
    if sniffed.kind != TEXT.name:
        found = reader_named(sniffed.kind)
        if found is None:
            raise _unreadable_content(sniffed, expected, suffix, path)
        return found
    if expected is not None and not expected.binary:
        return expected
    if expected is not None:
        # Named as a binary format but not one: readable only if it is text.
        try:
            decode_text(data, path)
        except DocumentError as error:
            raise UnsupportedFormatError(
                path,
                f"the file is named {suffix} but is not {expected.description}: {_what_it_is(expected, error)}",
            ) from None
        return TEXT
    advice = _UNSUPPORTED_ADVICE.get(suffix)
    if advice:
        raise UnsupportedFormatError(path, advice)
    raise UnsupportedFormatError(
        path,
        f"unsupported file type {suffix!r}: supported are {', '.join(supported_suffixes())} ({format_labels()})",
    )


def _unreadable_content(sniffed: Sniffed, expected: FormatReader | None, suffix: str, path: Path) -> DocumentError:
    """Why content no reader handles is refused, with what to do instead."""
    if sniffed.kind == "encrypted-office":
        return EncryptedDocumentError(path, f"the file is {sniffed.description}: {_KIND_ADVICE[sniffed.kind]}")
    if sniffed.kind == "ole2" and suffix in (".doc", ".xls"):
        return UnsupportedFormatError(path, _UNSUPPORTED_ADVICE[suffix])
    if suffix in _UNSUPPORTED_ADVICE and expected is None and _matches(suffix, sniffed):
        return UnsupportedFormatError(path, _UNSUPPORTED_ADVICE[suffix])
    advice = _KIND_ADVICE.get(sniffed.kind, "")
    if expected is not None:
        message = f"the file is named {suffix or 'without an extension'} but is not {expected.description}: it is {sniffed.description}"
    else:
        message = f"the file is {sniffed.description}"
    return UnsupportedFormatError(path, f"{message}; {advice}" if advice else f"{message}, which is not supported")


def _matches(suffix: str, sniffed: Sniffed) -> bool:
    """Whether the content is what the (unsupported) extension says."""
    return {
        ".doc": "ole2", ".xls": "ole2", ".ppt": "ole2", ".rtf": "rtf", ".odt": "opendocument",
        ".ods": "opendocument", ".pptx": "pptx", ".xlsb": "xlsb", ".mht": "mhtml", ".mhtml": "mhtml",
    }.get(suffix) == sniffed.kind


def _what_it_is(expected: FormatReader, error: DocumentError) -> str:
    """Why bytes named as a binary format are not a file of it, and what they look like."""
    if expected.mismatch:
        return f"{expected.mismatch}; it looks like binary data of no known format"
    return error.reason
