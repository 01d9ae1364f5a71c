"""What a file is, by its content: magic bytes first, the name only second.

Downloads lie about their type: a "report.xls" saved from a web page is
HTML, a "plan.pdf" may be the text of an error page, a "scan.docx" may be
an old Word file renamed. :func:`sniff` looks at the bytes and says what
they are; the dispatcher then compares that with the file's extension.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

# Formats a reader exists for.
READABLE = {"pdf", "docx", "xlsx", "html", "text"}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Password-protected .docx/.xlsx are OLE2 containers with these streams
# (their names are stored in UTF-16).
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))

_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)

_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body|<table|<meta|<title)",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Sniffed:
    """A file's kind by content, and how to say it to a user."""

    kind: str  # one of READABLE, or: ole2, encrypted-office, rtf, opendocument, pptx, zip, image, mhtml, binary
    description: str  # "a PDF", "a Word document (.docx)", ...


def sniff(data: bytes) -> Sniffed:
    """The kind of the bytes; "text" for anything else that may be text."""
    head = data[:2048]
    if b"%PDF-" in data[:1024]:
        return Sniffed("pdf", "a PDF")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(data)
    if head.startswith(_OLE2):
        if any(stream in data for stream in _ENCRYPTED_STREAMS):
            return Sniffed("encrypted-office", "a password-protected (encrypted) Office document")
        return Sniffed("ole2", "an Office 97-2003 file (.doc or .xls)")
    if head.startswith(b"{\\rtf"):
        return Sniffed("rtf", "a Rich Text Format (.rtf) document")
    for magic, description in _IMAGES:
        if head.startswith(magic):
            return Sniffed("image", description)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "a WebP image")
    lowered = head.lstrip().lower()
    if lowered.startswith(b"mime-version:") or (b"\nmime-version:" in lowered[:1024] and b"multipart/related" in lowered):
        return Sniffed("mhtml", "a web archive (.mht)")
    if _looks_like_html(head):
        return Sniffed("html", "a web page (HTML)")
    return Sniffed("text", "text")


def _sniff_zip(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else ""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, EOFError):
        return Sniffed("damaged-zip", "a damaged zip archive (an Office file cut short in download?)")
    if "word/document.xml" in names:
        return Sniffed("docx", "a Word document (.docx)")
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        if "xl/workbook.bin" in names:
            return Sniffed("xlsb", "an Excel binary workbook (.xlsb)")
        return Sniffed("xlsx", "an Excel workbook (.xlsx)")
    if "ppt/presentation.xml" in names:
        return Sniffed("pptx", "a PowerPoint presentation (.pptx)")
    if mimetype.startswith("application/vnd.oasis.opendocument"):
        kind = mimetype.rsplit(".", 1)[-1]
        words = {"text": "text document (.odt)", "spreadsheet": "spreadsheet (.ods)", "presentation": "presentation (.odp)"}
        return Sniffed("opendocument", f"an OpenDocument {words.get(kind, kind)}")
    return Sniffed("zip", "a zip archive that is not an Office document")


def _looks_like_html(head: bytes) -> bool:
    from .text import _bom_encoding, _bomless_utf16

    encoding = _bom_encoding(head) or _bomless_utf16(head) or "latin-1"
    try:
        text = head.decode(encoding, errors="ignore")
    except LookupError:  # pragma: no cover - the encodings above all exist
        return False
    return bool(_HTML_START.match(text.lstrip("\ufeff")))
