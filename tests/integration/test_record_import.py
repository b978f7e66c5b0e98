"""Onboarding import of a register from a spreadsheet: preview lists every problem by row and
column and writes nothing; confirm writes every row in one transaction, audited; the same file
imported again changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import io

import openpyxl
import pytest

from engine.errors import InvalidForm

TRANG_BANG, TAN_CHAU = "25708", "25516"

GOOD = (
    "Tên chủ thể;Loại hình;Mã số thuế / số đăng ký kinh doanh;Xã, phường nơi đặt trụ sở;"
    "Người đại diện theo pháp luật;Số thành viên / lao động;Ngày thành lập\n"
    f"HTX Bánh tráng Trảng Bàng;Hợp tác xã (HTX);3900123456;{TRANG_BANG};Nguyễn Văn An;12;15/03/2019\n"
    f"Cơ sở Muối tôm Tân Châu;hkd;3900654321;{TAN_CHAU};Trần Thị Bình;1.200;2020-01-02\n"
)

BAD = GOOD + (
    "HTX Ma;htx;3900000001;99999;Lê Văn C;5;01/01/2020\n"  # a commune that does not exist
    f"HTX Trùng;htx;3900123456;{TRANG_BANG};Lê Văn D;5;01/01/2020\n"  # the key of row 2 again
    f"HTX Số lẻ;htx;3900000002;{TRANG_BANG};Lê Văn E;1.200,5;01/01/2020\n"  # members is a whole number
    f"HTX Ngày sai;htx;3900000003;{TRANG_BANG};Lê Văn F;5;31/02/2020\n"  # no such day
)


def _problems(plan):  # type: ignore[no-untyped-def]
    return {(r.line, p.column): p.message.get("vi") for r in plan.rows for p in r.problems}


def test_the_preview_names_every_problem_by_row_and_column_and_writes_nothing(service, people):
    officer = people["province1"]
    plan = service.imports.preview(officer, "ocop-producers", "producers.csv", BAD.encode())
    problems = _problems(plan)
    assert set(problems) == {
        (4, "Xã, phường nơi đặt trụ sở"),
        (5, "Mã số thuế / số đăng ký kinh doanh"),
        (6, "Số thành viên / lao động"),
        (7, "Ngày thành lập"),
    }
    assert "dòng 2" in problems[(5, "Mã số thuế / số đăng ký kinh doanh")]
    assert "1.200,5" in problems[(6, "Số thành viên / lao động")]
    assert "31/02/2020" in problems[(7, "Ngày thành lập")]
    assert [r.action for r in plan.rows[:2]] == ["create", "create"]
    assert plan.rows[1].values["members"] == 1200  # "1.200" read the Vietnamese way
    assert plan.rows[0].values["org_type"] == "htx"  # an option by its label
    assert plan.rows[0].values["founded_on"] == "2019-03-15"
    with pytest.raises(InvalidForm):
        service.imports.confirm(officer, "ocop-producers", "producers.csv", BAD.encode())
    assert service.list_records(officer, "ocop-producers").total == 0  # nothing half-written


def test_confirm_writes_every_row_audited_and_a_second_import_changes_nothing(service, people):
    officer = people["province1"]
    done = service.imports.confirm(officer, "ocop-producers", "producers.csv", GOOD.encode())
    assert done.written and done.counts["create"] == 2
    page = service.list_records(officer, "ocop-producers")
    assert sorted(r.title for r in page.items) == ["Cơ sở Muối tôm Tân Châu", "HTX Bánh tráng Trảng Bàng"]
    assert all(r.code for r in page.items)
    history = service.record_history(officer, "ocop-producers", page.items[0].id)
    assert [e.action for e, _ in history] == ["record.create"]
    again = service.imports.preview(officer, "ocop-producers", "producers.csv", GOOD.encode())
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"]
    service.imports.confirm(officer, "ocop-producers", "producers.csv", GOOD.encode())
    assert service.list_records(officer, "ocop-producers").total == 2  # no duplicates
    changed = GOOD.replace("Nguyễn Văn An", "Nguyễn Văn Anh")
    plan = service.imports.preview(officer, "ocop-producers", "producers.csv", changed.encode())
    assert [(r.action, r.changed) for r in plan.rows] == [("update", ("leader_name",)), ("unchanged", ())]


def test_products_name_their_producer_by_tax_number_from_an_xlsx(service, people):
    officer = people["province1"]
    service.imports.confirm(officer, "ocop-producers", "producers.csv", GOOD.encode())
    book = openpyxl.load_workbook(io.BytesIO(service.imports.template("ocop-products")))
    headers = [c.value for c in book.active[1]]
    assert headers[:3] == ["Tên sản phẩm *", "Bộ sản phẩm (Phụ lục I) *", "Chủ thể *"]
    sheet = book.active
    sheet.append(["Bánh tráng phơi sương", "01", "3900123456", TRANG_BANG])
    sheet.append(["Muối tôm", "01", "0000000000", TAN_CHAU])
    data = io.BytesIO()
    book.save(data)
    plan = service.imports.preview(officer, "ocop-products", "products.xlsx", data.getvalue())
    assert plan.rows[0].action == "create" and plan.rows[0].problems == ()
    assert set(_problems(plan)) == {(3, "Chủ thể *")}


def test_a_file_that_is_not_what_its_name_says_is_refused(service, people):
    with pytest.raises(InvalidForm) as refused:
        service.imports.preview(people["province1"], "ocop-producers", "producers.xlsx", GOOD.encode())
    assert "xlsx" in refused.value.problems["file"].get("vi")


def test_the_command_previews_then_applies_and_says_what_it_did(
    service, people, database_url, tmp_path, capsys
):
    from engine.cli import main

    path = tmp_path / "producers.csv"
    path.write_bytes(BAD.encode())
    common = ["import", "ocop-producers", str(path), "--as", "province1", "--database-url", database_url]
    assert main(common) == 1
    out = capsys.readouterr().out
    assert "producers.csv:4: Xã, phường nơi đặt trụ sở: «99999»: Không có đơn vị hành chính này." in out
    assert out.strip().endswith("nothing written")
    path.write_bytes(GOOD.encode())
    assert main([*common, "--apply"]) == 0
    assert capsys.readouterr().out.strip().endswith("create 2, update 0, unchanged 0, refused 0; written")
    assert service.list_records(people["province1"], "ocop-producers").total == 2


def test_a_blank_cell_keeps_the_stored_value_and_a_clear_cell_empties_the_field(service, people):
    officer = people["province1"]
    service.imports.confirm(officer, "ocop-producers", "producers.csv", GOOD.encode())
    head = "Tên chủ thể;Loại hình;Mã số thuế / số đăng ký kinh doanh;Xã, phường nơi đặt trụ sở;" \
        "Người đại diện theo pháp luật;Số thành viên / lao động;Ngày thành lập\n"  # fmt: skip
    update = head + (
        f"HTX Bánh tráng Trảng Bàng;htx;3900123456;{TRANG_BANG};Nguyễn Văn An;;[xoá]\n"  # members kept
        f"Cơ sở Muối tôm Tân Châu;hkd;3900654321;{TAN_CHAU};Trần Thị Bình;[XÓA];\n"  # founded_on kept
    )
    plan = service.imports.preview(officer, "ocop-producers", "producers.csv", update.encode())
    assert [(r.action, r.changed) for r in plan.rows] == [
        ("update", ("founded_on",)),
        ("update", ("members",)),
    ]
    service.imports.confirm(officer, "ocop-producers", "producers.csv", update.encode())
    page = service.list_records(officer, "ocop-producers")
    data = {r.title: service.get_record(officer, "ocop-producers", r.id)[0].values for r in page.items}
    assert data["HTX Bánh tráng Trảng Bàng"]["members"] == 12
    assert "founded_on" not in data["HTX Bánh tráng Trảng Bàng"]
    assert data["Cơ sở Muối tôm Tân Châu"]["founded_on"] == "2020-01-02"
    assert "members" not in data["Cơ sở Muối tôm Tân Châu"]


def test_clearing_a_required_field_or_the_key_is_a_problem_of_its_cell(service, people):
    officer = people["province1"]
    service.imports.confirm(officer, "ocop-producers", "producers.csv", GOOD.encode())
    bad = GOOD.replace("Nguyễn Văn An", "[xoá]").replace("3900654321", "[xoá]")
    problems = _problems(service.imports.preview(officer, "ocop-producers", "producers.csv", bad.encode()))
    assert set(problems) == {(2, "Người đại diện theo pháp luật"), (3, "Mã số thuế / số đăng ký kinh doanh")}
    assert "khóa nhập" in problems[(3, "Mã số thuế / số đăng ký kinh doanh")]
