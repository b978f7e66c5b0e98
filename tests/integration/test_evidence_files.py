"""Evidence files: typed by their content as well as their name, office archives bounded once
uncompressed, written durably before the row that names them, and orphans cleaned."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest

from engine import filetypes
from engine.cli import main
from engine.errors import InvalidForm
from engine.storage.repository import Repository

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
PDF = b"%PDF-1.4\n% ok\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
ODS = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"})


@pytest.fixture
def dossier(open_dossier):  # type: ignore[no-untyped-def]
    return open_dossier()


def _attach(service, people, dossier, filename: str, data: bytes):  # type: ignore[no-untyped-def]
    return service.attach_evidence(people["producer1"], dossier.id, "labour_list", filename, data)


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("a.pdf", PDF),
        ("a.png", PNG),
        ("a.jpg", JPEG),
        ("a.jpeg", JPEG),
        ("a.webp", WEBP),
        ("a.docx", DOCX),
        ("a.xlsx", XLSX),
        ("a.txt", "Danh sách lao động\n".encode()),
        ("a.csv", "họ tên,tuổi\nAn,30\n".encode("utf-8-sig")),
        ("b.csv", "họ tên,tuổi\n".encode("utf-16")),
    ],
)
def test_files_whose_content_is_what_their_name_says_are_accepted(service, people, dossier, filename, data):
    record = _attach(service, people, dossier, filename, data)
    assert service.evidence_path(record["sha256"]).read_bytes() == data


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("x.pdf", HTML),
        ("photo.jpg", PNG),
        ("photo.png", b"MZ\x90\x00 an executable"),
        ("scan.webp", b"RIFF\x10\x00\x00\x00AVI LIST"),
        ("report.docx", XLSX),
        ("report.docx", _zip({"index.html": HTML})),
        ("sheet.xlsx", b"PK\x03\x04 not really a zip"),
        ("notes.txt", HTML),
        ("notes.txt", b"\x00\x01binary"),
        ("notes.csv", b"\xff\xd8\xff\xe0 a jpeg"),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(service, people, dossier, filename, data):
    with pytest.raises(InvalidForm) as refused:
        _attach(service, people, dossier, filename, data)
    problem = refused.value.problems["file"]
    assert problem.code in ("evidence.content_mismatch", "evidence.archive_damaged")
    assert service.evidence_list(people["producer1"], dossier.id) == []
    assert not any(service.evidence_dir.glob("*")) if service.evidence_dir.exists() else True


@pytest.mark.parametrize(
    ("claimed", "data", "ok"),
    [
        (filetypes.ODT, ODT, True),
        (filetypes.ODS, ODS, True),
        (filetypes.ODT, ODS, False),
        (filetypes.ODS, _zip({"mimetype": b"text/html"}), False),
        ("application/x-msdownload", b"MZ", False),
    ],
)
def test_opendocument_files_are_told_apart_by_their_mimetype_member(claimed, data, ok):
    # The service's default allow-list has no OpenDocument types; the web app adds them (UPLOAD_EXTENSIONS).
    assert filetypes.check(claimed, data).ok is ok


def test_an_html_page_named_pdf_gets_a_clear_message(service, people, dossier):
    with pytest.raises(InvalidForm) as refused:
        _attach(service, people, dossier, "x.pdf", HTML)
    problem = refused.value.problems["file"]
    assert problem.get("vi").startswith("Nội dung tệp không phải là tệp .pdf")
    assert "renamed" in problem.get("en")


def test_an_office_file_too_large_once_uncompressed_is_refused(service, people, dossier, monkeypatch):
    monkeypatch.setattr(filetypes, "MAX_UNZIPPED_BYTES", 1024 * 1024)
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\x00" * (2 * 1024 * 1024)})
    assert len(bomb) < 10 * 1024  # small on the wire
    with pytest.raises(InvalidForm) as refused:
        _attach(service, people, dossier, "bomb.docx", bomb)
    problem = refused.value.problems["file"]
    assert problem.code == "evidence.unzipped_too_large"
    assert service.evidence_list(people["producer1"], dossier.id) == []


def test_a_damaged_office_file_is_refused(service, people, dossier):
    damaged = bytearray(DOCX)
    at = DOCX.index(b"word/document.xml") + 40  # inside the member's compressed data
    damaged[at] ^= 0xFF
    with pytest.raises(InvalidForm) as refused:
        _attach(service, people, dossier, "broken.docx", bytes(damaged))
    assert refused.value.problems["file"].code in ("evidence.archive_damaged", "evidence.content_mismatch")


def test_the_file_and_its_folder_are_fsynced_before_the_row_is_written(service, people, dossier, monkeypatch):
    events: list[str] = []
    real_fsync, real_add = os.fsync, Repository.add_evidence

    def fsync(fd: int) -> None:
        events.append("fsync folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync file")
        real_fsync(fd)

    def add_evidence(self, **values):  # type: ignore[no-untyped-def]
        events.append("row")
        return real_add(self, **values)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(Repository, "add_evidence", add_evidence)
    _attach(service, people, dossier, "a.pdf", PDF)
    assert events.index("fsync file") < events.index("fsync folder") < events.index("row")


def _age(path, seconds: float = 2 * 3600) -> None:  # type: ignore[no-untyped-def]
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_orphan_files_are_listed_by_a_dry_run_and_removed_on_demand(service, people, dossier, database):
    kept = _attach(service, people, dossier, "a.pdf", PDF)
    folder = service.evidence_dir
    orphan = folder / ("ab" * 32)
    orphan.write_bytes(b"left by a rolled-back upload")
    temp = folder / ".upload-x1y2"
    temp.write_bytes(b"half written")
    young = folder / ("cd" * 32)
    young.write_bytes(b"an upload whose transaction is still running")
    unrelated = folder / "README"
    unrelated.write_text("not ours")
    for path in (orphan, temp, unrelated, folder / kept["sha256"]):
        _age(path)

    dry = service.clean_orphan_evidence()
    assert [o.name for o in dry.orphans] == sorted([temp.name, orphan.name])
    assert dry.removed is False and orphan.exists() and temp.exists()

    with database.transaction(write=False) as repo:
        head = repo.audit_head()[0]
    done = service.clean_orphan_evidence(apply=True)
    assert done.removed is True and done.bytes == len(b"left by a rolled-back upload") + len(b"half written")
    assert not orphan.exists() and not temp.exists()
    assert young.exists() and unrelated.exists() and (folder / kept["sha256"]).exists()
    with database.transaction(write=False) as repo:
        assert repo.audit_head()[0] == head + 1
        event = repo.last_events(1)[0]
    assert event.action == "clean_orphan_evidence"
    assert service.verify_audit().ok


def test_the_command_is_a_dry_run_unless_told_to_apply(service, people, dossier, database_url, capsys):
    _attach(service, people, dossier, "a.pdf", PDF)
    orphan = service.evidence_dir / ("ef" * 32)
    orphan.write_bytes(b"orphan")
    _age(orphan)
    args = [
        "evidence",
        "clean-orphans",
        "--database-url",
        database_url,
        "--evidence-dir",
        str(service.evidence_dir),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert orphan.name in out and "dry run" in out and orphan.exists()
    assert main([*args, "--apply"]) == 0
    assert "removed 1 orphan file(s), 6 bytes" in capsys.readouterr().out
    assert not orphan.exists()
