"""What an uploaded file is, read from its content: the evidence allow-list's types only.

The extension says what a file claims to be; the first bytes say what it is.
A claim the content does not back (an HTML page named x.pdf, an executable
named photo.jpg) is refused. The allow-list is closed (PDF, JPEG, PNG, WebP,
Word/Excel and OpenDocument files, plain text and CSV), so a signature table
and a look inside the ZIP container decide exactly; a general-purpose guesser
(puremagic, filetype) ranks thousands of types by confidence and still has to
open the ZIP to tell a .docx from an .xlsx, which is all the work done here.

Office files are ZIP archives: the sum of their members' sizes is bounded
(`MAX_UNZIPPED_BYTES`, `MAX_MEMBERS`) and every member is read back through its
CRC, so a ZIP bomb or a damaged archive is refused before it is stored, at a cost
bounded by the same numbers. Pure: bytes in, verdict out.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 5000

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
TEXT = "text/plain"
CSV = "text/csv"
OFFICE = frozenset({DOCX, XLSX, ODT, ODS})
# The start of a document a browser would render as a page or run as a script.
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")


@dataclass(frozen=True)
class Verdict:
    """`ok`, or why not: `kind` is `mismatch` (content is not what the name claims), `archive`
    (a damaged office file) or `too_large_unzipped` (with the uncompressed `size`)."""

    ok: bool
    kind: str = ""
    size: int = 0


OK = Verdict(True)


def check(claimed: str, data: bytes) -> Verdict:
    """Whether `data` is a file of the MIME type `claimed` (the one its extension gives)."""
    if claimed == PDF:
        return _sign(data.startswith(b"%PDF-"))
    if claimed == JPEG:
        return _sign(data.startswith(b"\xff\xd8\xff"))
    if claimed == PNG:
        return _sign(data.startswith(b"\x89PNG\r\n\x1a\n"))
    if claimed == WEBP:
        return _sign(data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    if claimed in OFFICE:
        return _office(claimed, data)
    if claimed in (TEXT, CSV):
        return _sign(_is_plain_text(data))
    return Verdict(False, "mismatch")  # a type outside the allow-list has nothing to vouch for it


def _sign(matches: bool) -> Verdict:
    return OK if matches else Verdict(False, "mismatch")


def _is_plain_text(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
        if b"\x00" in data:
            return False
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return False
    head = text.lstrip()[:16].lower().encode()
    return not head.startswith(_MARKUP)


def _office(claimed: str, data: bytes) -> Verdict:
    if not data.startswith(b"PK\x03\x04"):
        return Verdict(False, "mismatch")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return Verdict(False, "archive")
    with archive:
        members = archive.infolist()
        declared = sum(m.file_size for m in members)
        if len(members) > MAX_MEMBERS or declared > MAX_UNZIPPED_BYTES:
            return Verdict(False, "too_large_unzipped", declared)
        if _office_type(archive) != claimed:
            return Verdict(False, "mismatch")
        return _read_back(archive, members)


def _office_type(archive: zipfile.ZipFile) -> str | None:
    names = set(archive.namelist())
    if "mimetype" in names:  # OpenDocument: the first member names the type
        declared = archive.read("mimetype").strip().decode("ascii", "replace")
        return declared if declared in (ODT, ODS) else None
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def _read_back(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> Verdict:
    """Inflate every member (CRC checked by zipfile), stopping at the bound whatever the headers say."""
    total = 0
    try:
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(1 << 16):
                    total += len(chunk)
                    if total > MAX_UNZIPPED_BYTES:
                        return Verdict(False, "too_large_unzipped", total)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return Verdict(False, "archive")
    return OK
