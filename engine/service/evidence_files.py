"""Evidence files on disk: written durably before the transaction that records them commits,
and orphans (files no evidence row names) found and removed.

A file is named by its SHA-256 and written to a temporary name, flushed and
fsynced, renamed into place, and the folder fsynced so that the rename itself
survives a crash: once the row that names the file is committed, the file is on
disk. The opposite failure — the file written, the transaction rolled back or
the process killed — leaves an orphan, harmless but taking space;
`clean_orphans` finds them. Files younger than `grace` are never touched, since
their transaction may still be running.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_GRACE = dt.timedelta(hours=1)
_TEMP_PREFIX = ".upload-"


def store_blob(folder: Path, digest: str, data: bytes) -> None:
    path = folder / digest
    if path.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=_TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Orphan:
    name: str
    size: int
    modified: dt.datetime


@dataclass(frozen=True)
class OrphanReport:
    orphans: tuple[Orphan, ...]
    removed: bool  # False: a dry run, nothing was deleted

    @property
    def bytes(self) -> int:
        return sum(o.size for o in self.orphans)


def _is_blob_name(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def find_orphans(folder: Path, referenced: set[str], cutoff: float) -> list[Orphan]:
    """Files in the folder that no row names (and left-over temporary files) last changed before
    `cutoff` (seconds since the epoch, the file system's own clock)."""
    if not folder.is_dir():
        return []
    found = []
    for entry in os.scandir(folder):
        if not entry.is_file(follow_symlinks=False):
            continue
        name = entry.name
        if not (name.startswith(_TEMP_PREFIX) or (_is_blob_name(name) and name not in referenced)):
            continue  # a file that is neither ours nor an orphan is left alone
        info = entry.stat(follow_symlinks=False)
        if info.st_mtime < cutoff:
            modified = dt.datetime.fromtimestamp(info.st_mtime, dt.UTC).replace(tzinfo=None)
            found.append(Orphan(name, info.st_size, modified))
    return sorted(found, key=lambda o: o.name)


def clean_orphans(
    transaction: Callable[..., Any],
    folder: Path,
    *,
    now: dt.datetime,
    apply: bool = False,
    grace: dt.timedelta = DEFAULT_GRACE,
    actor: str = "system",
) -> OrphanReport:
    """List (and with `apply`, delete) the orphan files; a deletion is recorded in the audit chain."""
    with transaction(write=False) as repo:
        referenced = repo.evidence_hashes()
    # A file's age is read on the file system's clock, whatever clock the service keeps.
    orphans = find_orphans(folder, referenced, time.time() - grace.total_seconds())
    if not apply or not orphans:
        return OrphanReport(tuple(orphans), removed=False)
    with transaction() as repo:
        # Read again under the write lock: a row committed since names its file, which then stays.
        referenced = repo.evidence_hashes()
        orphans = [o for o in orphans if o.name not in referenced]
        for orphan in orphans:
            (folder / orphan.name).unlink(missing_ok=True)
        repo.append_event(
            at=now,
            actor=actor,
            action="clean_orphan_evidence",
            payload={"files": [o.name for o in orphans], "bytes": sum(o.size for o in orphans)},
        )
    _fsync_folder(folder)
    return OrphanReport(tuple(orphans), removed=True)
