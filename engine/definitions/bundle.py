"""A bundle's files from a zip archive: names and bytes, never written to disk.

Limits keep a hostile archive small: at most MAX_FILES members and MAX_BYTES uncompressed in
all; folders, hidden files and macOS resource forks are skipped; names are kept relative (a
units file finds its CSV by the name relative to its own folder).
"""

from __future__ import annotations

import io
import zipfile

MAX_FILES = 200
MAX_BYTES = 20 * 1024 * 1024
SUFFIXES = (".yaml", ".yml", ".csv")


class BundleError(ValueError):
    """The archive cannot be read as a bundle; the message says why (English, for logs and CLI)."""


def read_zip(data: bytes) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BundleError(f"not a zip archive: {exc}") from exc
    members = [m for m in archive.infolist() if not m.is_dir() and _wanted(m.filename)]
    if len(members) > MAX_FILES:
        raise BundleError(f"{len(members)} files; a bundle holds at most {MAX_FILES}")
    if sum(m.file_size for m in members) > MAX_BYTES:
        raise BundleError(f"larger than {MAX_BYTES // (1024 * 1024)} MB uncompressed")
    out = []
    for m in members:
        with archive.open(m) as member:
            body = member.read(MAX_BYTES + 1)
        if len(body) > m.file_size:  # the header lied about the size
            raise BundleError(f"{m.filename}: larger than declared")
        out.append((_common_root_stripped(m.filename, members), body))
    return out


def _wanted(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    if any(p.startswith(".") or p in ("", "..", "__MACOSX") for p in parts):
        return False
    return name.lower().endswith(SUFFIXES)


def _common_root_stripped(name: str, members: list[zipfile.ZipInfo]) -> str:
    """'regime/roles.yaml' -> 'roles.yaml' when every member sits in 'regime/'."""
    roots = {m.filename.split("/", 1)[0] for m in members}
    if len(roots) == 1 and all("/" in m.filename for m in members):
        return name.split("/", 1)[1]
    return name
