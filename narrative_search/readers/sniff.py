"""What a file is, by its content: magic bytes first, the name only second.

Downloads lie about their type: a "report.xls" saved from a web page is
HTML, a "plan.pdf" may be the text of an error page, a "scan.docx" may be
an old Word file renamed. :func:`sniff` looks at the bytes and says what
they are; the dispatcher then compares that with the file's extension.
How a readable format is recognised is that reader's content test (its
``FormatReader.sniff``); this module knows the formats no reader handles.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Optional

from .common import ZIP_ERRORS, is_zip
from .registry import readers
from .text import TEXT
from .webpage import looks_like_web_archive

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


@dataclass(frozen=True)
class Sniffed:
    """A file's kind by content, and how to say it to a user."""

    kind: str  # a reader's name ("pdf", "text", ...), or: ole2, encrypted-office, rtf, opendocument, pptx, xlsb, zip, damaged-zip, image, mhtml
    description: str  # "a PDF", "a Word document (.docx)", ...


def sniff(data: bytes) -> Sniffed:
    """The kind of the bytes; "text" for anything else that may be text.

    The readers' content tests are tried first, in the registry's order;
    then the formats no reader handles, which are refused saying what they are.
    """
    for reader in readers():
        if reader.sniff is not None and reader.sniff(data):
            return Sniffed(reader.name, reader.description)
    return _unreadable(data) or Sniffed(TEXT.name, "text")


def _unreadable(data: bytes) -> Optional[Sniffed]:
    """The kind of content that is a known format no reader handles, or None."""
    head = data[:2048]
    if is_zip(head):
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
    if looks_like_web_archive(head):
        return Sniffed("mhtml", "a web archive (.mht)")
    return None


def _sniff_zip(data: bytes) -> Sniffed:
    """A zip archive that no reader took: which Office package it is, if any."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else ""
    except ZIP_ERRORS:
        return Sniffed("damaged-zip", "a damaged zip archive (an Office file cut short in download?)")
    if "xl/workbook.bin" in names:
        return Sniffed("xlsb", "an Excel binary workbook (.xlsb)")
    if "ppt/presentation.xml" in names:
        return Sniffed("pptx", "a PowerPoint presentation (.pptx)")
    if mimetype.startswith("application/vnd.oasis.opendocument"):
        kind = mimetype.rsplit(".", 1)[-1]
        words = {"text": "text document (.odt)", "spreadsheet": "spreadsheet (.ods)", "presentation": "presentation (.odp)"}
        return Sniffed("opendocument", f"an OpenDocument {words.get(kind, kind)}")
    return Sniffed("zip", "a zip archive that is not an Office document")
