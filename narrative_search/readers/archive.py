"""Office packages (.docx, .xlsx) opened safely: sizes checked before anything is unpacked.

A .docx or .xlsx file is a zip archive. A small file can hold a member that
unpacks to gigabytes (a "zip bomb": a 6 MB .docx whose thumbnail expands to
6 GiB), and the reader libraries unpack what they meet. So before a reader
sees the package, every member's unpacked size and compression ratio, as the
archive declares them, is checked against :func:`narrative_search.config.limits`;
then only the members a reader needs (the XML parts and their relationships)
are unpacked, each read no further than its declared size, and the rest
(thumbnails, pictures, embedded files, fonts) are handed on empty.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..config import LIMIT_ENVS, ZIP_RATIO_FLOOR_BYTES, Limits, limits
from ..errors import DocumentError, DocumentLimitError
from .common import ZIP_ERRORS

# Parts the readers parse: XML and the relationships between parts.
_NEEDED_SUFFIXES = (".xml", ".rels")


def is_needed_member(name: str) -> bool:
    """Whether a reader of Word or Excel text needs this member (pictures, thumbnails and fonts it does not)."""
    return name.lower().endswith(_NEEDED_SUFFIXES)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_members(path: Path, members: list[zipfile.ZipInfo], allowed: Limits) -> None:
    """Refuse the package if a member, or all together, would unpack past the limits."""
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_FLOOR_BYTES and ratio > allowed.max_zip_ratio:
            raise DocumentLimitError(
                path,
                f"its part {member.filename!r} would unpack {ratio:.0f} times larger than it is stored "
                f"({_megabytes(member.file_size)} from {_megabytes(member.compress_size)}), which looks like a zip bomb; "
                f"the limit is {allowed.max_zip_ratio} times ({LIMIT_ENVS['max_zip_ratio']})",
            )
        if total > allowed.max_unpacked_bytes:
            raise DocumentLimitError(
                path,
                f"it would unpack to more than {allowed.max_unpacked_mb} MB (at the part {member.filename!r}); "
                f"the limit is {allowed.max_unpacked_mb} MB ({LIMIT_ENVS['max_unpacked_mb']})",
            )


def unpack_office_package(path: str | Path, data: bytes) -> io.BytesIO:
    """The package in ``data`` rebuilt with only the members a reader needs, checked against the limits.

    Members not needed keep their names (the package's relationships point
    at them) but are empty. Raises :class:`DocumentLimitError` naming the
    file for a package past the limits, :class:`DocumentError` for one that
    is not an intact zip archive.
    """
    path = Path(path)
    allowed = limits()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            check_members(path, members, allowed)
            rebuilt = io.BytesIO()
            with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_STORED) as package:
                for member in members:
                    if member.is_dir():
                        continue
                    content = _read_member(archive, member) if is_needed_member(member.filename) else b""
                    package.writestr(member.filename, content)
    except ZIP_ERRORS as error:
        raise DocumentError(path, f"the Office file is damaged and cannot be unpacked ({type(error).__name__}: {error})") from None
    rebuilt.seek(0)
    return rebuilt


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than its declared size (a member that lies fails its checksum)."""
    with archive.open(member) as handle:
        return handle.read(member.file_size)


def too_many_rows(path: Path, found: str) -> DocumentLimitError:
    """The refusal of a document with more rows than the limit (``found``: how many, in words)."""
    allowed = limits()
    return DocumentLimitError(
        path, f"it has {found} rows; the limit is {allowed.max_rows:,} rows a document ({LIMIT_ENVS['max_rows']})"
    )
