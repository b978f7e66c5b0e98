"""The loader: guarded YAML reading, locations, caching, uploads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.definitions import loader, yamlread
from engine.definitions.loader import load_catalog, load_text
from engine.definitions.model import Catalog

VALID = Path(__file__).resolve().parents[1] / "definitions" / "valid"


@pytest.fixture()
def valid_copy(tmp_path: Path) -> Path:
    target = tmp_path / "valid"
    shutil.copytree(VALID, target)
    return target


@pytest.fixture(scope="module")
def valid_catalog() -> Catalog:
    return load_catalog([VALID]).catalog


def codes(result: loader.LoadResult) -> list[str]:
    return [p.code for p in result.problems]


def test_the_valid_examples_load_into_a_catalog_of_every_kind() -> None:
    result = load_catalog([VALID])
    assert result.ok and result.problems == []
    c = result.catalog
    assert (
        len(c.workflows),
        len(c.roles),
        len(c.forms),
        len(c.scoring_forms),
        len(c.units),
        len(c.tests),
    ) == (1, 1, 1, 1, 1, 1)


def test_composite_sources_expand_to_leaves_and_steps_are_inherited() -> None:
    wf = load_catalog([VALID]).catalog.workflows["test-flow"]
    reject = wf.transition("reject")
    assert reject is not None and reject.sources == ("check", "council")
    assert wf.states["check"].step == 5 and wf.states["check"].parent == "evaluation"
    assert wf.states["evaluation"].children == ("check", "council")
    assert wf.states["returned"].pauses_clocks


def test_a_file_larger_than_the_limit_is_refused_without_being_parsed(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("kind: roles\n" + "# padding\n" * (yamlread.MAX_BYTES // 10 + 1))
    assert codes(load_catalog([big])) == ["E103"]
    assert codes(load_text(big.read_text(), "big.yaml")) == ["E103"]


def test_a_missing_path_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    result = load_catalog([tmp_path / "nowhere.yaml"])
    assert codes(result) == ["E100"] and not result.ok


def test_bytes_that_are_not_utf8_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "latin.yaml"
    bad.write_bytes("kind: roles\nid: x\ntitle: Ch\xe1\n".encode("latin-1"))
    assert codes(load_catalog([bad])) == ["E100"]


@pytest.mark.parametrize(
    "text",
    ["[" * 200_000 + "]" * 200_000, "- " * 100_000 + "x\n", "{a: " * 50_000 + "1" + "}" * 50_000],
    ids=["flow sequences", "block sequences", "flow mappings"],
)
def test_deeply_nested_input_is_refused_without_exhausting_the_stack(text: str) -> None:
    assert codes(load_text(text, "deep.yaml")) == ["E104"]


def test_duplicate_keys_are_errors_located_at_the_second_key() -> None:
    result = load_text("kind: roles\nid: a\nid: b\nroles: {}\n", "dup.yaml")
    dup = [p for p in result.problems if p.code == "E102"]
    assert [(p.line, p.column, p.path) for p in dup] == [(3, 1, ("id",))]


@pytest.mark.parametrize(
    ("source", "value"),
    [("no", "no"), ("yes", "yes"), ("on", "on"), ("1:20", "1:20"), ("2026-05-22", "2026-05-22"),
     ("true", True), ("null", None), ("~", None), ("12", 12), ("-3", -3), ("1.5", 1.5), ("0x1f", 31),
     ("0o17", 15), ("1e3", 1000.0), (".inf", float("inf")), ("01", 1), ("'01'", "01"), ('"1.1"', "1.1")],
)  # fmt: skip
def test_scalars_follow_the_yaml_1_2_core_schema(source: str, value: object) -> None:
    assert yamlread.parse(f"v: {source}\n").data == {"v": value}


def test_keys_are_always_strings_and_merge_keys_work() -> None:
    data = yamlread.parse("1: a\ntrue: b\nbase: &b {x: 1, y: 2}\nd: {<<: *b, y: 3}\n").data
    assert data == {"1": "a", "true": "b", "base": {"x": 1, "y": 2}, "d": {"x": 1, "y": 3}}


def test_a_recursive_alias_is_refused() -> None:
    assert codes(load_text("kind: roles\nid: r\nroles: &a [*a]\n", "r.yaml")) == ["E105"]


def test_the_node_limit_counts_each_node_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nesting does not multiply the count: 300 scalars three lists deep are about 300 nodes."""
    monkeypatch.setattr(yamlread, "MAX_NODES", 400)
    nested = "v: [[[" + ", ".join(["1"] * 300) + "]]]\n"
    assert yamlread.parse(nested).findings == []
    flat = "v: [" + ", ".join(["1"] * 401) + "]\n"
    assert [f.code for f in yamlread.parse(flat).findings] == ["E121"]


def test_too_many_nodes_blames_aliases_only_when_the_file_has_some(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlread, "MAX_NODES", 400)
    plain = "kind: roles\nid: r\nroles: [" + ", ".join(["x"] * 500) + "]\n"
    result = load_text(plain, "r.yaml", lang="en")
    assert codes(result) == ["E121"] and "alias" not in result.problems[0].message
    aliased = (
        "kind: roles\nid: r\na: &a [" + ", ".join(["x"] * 50) + "]\nb: [" + ", ".join(["*a"] * 10) + "]\n"
    )
    result = load_text(aliased, "r.yaml", lang="en")
    assert codes(result) == ["E105"] and "alias" in result.problems[0].message


def test_problems_point_at_the_offending_value_or_key() -> None:
    text = "kind: roles\nid: r\nroles:\n  p:\n    label: P\n    scope: own\n    can: [view, fly]\n    colour: red\n"
    result = load_text(text, "r.yaml", lang="en")
    found = {(p.code, p.line, p.column) for p in result.problems}
    assert found == {("E113", 7, 17), ("E110", 8, 5)}
    assert all(p.file == "r.yaml" for p in result.problems)


def test_messages_come_in_vietnamese_by_default_and_english_on_request() -> None:
    text = "kind: roles\nid: r\nroles: {p: {label: P, scope: own, can: [view]}}\nextra: 1\n"
    vi = load_text(text, "r.yaml").problems[0]
    en = load_text(text, "r.yaml", lang="en").problems[0]
    assert vi.code == en.code == "E110"
    assert vi.message.startswith("Khóa không được phép") and en.message.startswith("Unknown key")
    assert "allowed keys: description, four_eyes, id, kind, roles, title" in en.hint


def test_an_upload_is_checked_against_the_definitions_it_refers_to(valid_catalog: Catalog) -> None:
    text = (VALID / "workflow.yaml").read_text().replace("roles: [producer]", "roles: [producer, ghost]", 1)
    alone = load_text(text, "upload.yaml")
    assert "E209" in codes(alone)  # the roles file is unknown without context
    result = load_text(text, "upload.yaml", context=valid_catalog)
    assert codes(result) == ["E204"] and not result.ok
    clean = load_text((VALID / "workflow.yaml").read_text(), "upload.yaml", context=valid_catalog)
    assert clean.ok and "test-flow" in clean.catalog.workflows
    source = clean.catalog.workflows["test-flow"].source
    assert source is not None and source.file == "upload.yaml" and len(source.sha256) == 64


def test_a_warm_reload_revalidates_nothing(valid_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loader.clear_cache()
    first = load_catalog([valid_copy])
    calls: list[object] = []
    real = loader._process
    monkeypatch.setattr(loader, "_process", lambda raw, path, *a: calls.append(path) or real(raw, path, *a))
    second = load_catalog([valid_copy])
    assert calls == [] and second.ok
    assert second.catalog.workflows["test-flow"] is first.catalog.workflows["test-flow"]


def test_a_changed_file_or_csv_is_revalidated(valid_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loader.clear_cache()
    load_catalog([valid_copy])
    calls: list[object] = []
    real = loader._process
    monkeypatch.setattr(
        loader, "_process", lambda raw, path, *a: calls.append(path.name) or real(raw, path, *a)
    )
    form = valid_copy / "form.yaml"
    form.write_text(form.read_text().replace("max_length: 200", "max_length: 0"))
    result = load_catalog([valid_copy])
    assert calls == ["form.yaml"] and codes(result) == ["E115"]
    with (valid_copy / "units.csv").open("a", encoding="utf-8") as csv:
        csv.write("80,Tỉnh Tây Ninh,25000,Xã Trùng,xã\n")
    result = load_catalog([valid_copy])
    assert calls[-1] == "units.yaml" and "E131" in codes(result)


def test_the_same_definition_id_in_two_files_is_reported_once_with_both_files(valid_copy: Path) -> None:
    shutil.copy(valid_copy / "roles.yaml", valid_copy / "roles-copy.yaml")
    result = load_catalog([valid_copy])
    assert codes(result) == ["E201"]
    assert result.problems[0].file.endswith("roles.yaml") and "roles-copy.yaml" in result.problems[0].message


def test_known_discrepancies_downgrade_the_matching_error_and_cite_the_note() -> None:
    path = VALID.parent / "invalid" / "E402-known-discrepancy.yaml"
    result = load_catalog([path], lang="en", context=load_catalog([VALID]).catalog)
    [problem] = result.problems
    assert (problem.code, problem.severity, result.ok) == ("E402", "warning", True)
    assert "known discrepancy: Văn bản pháp lý ghi 8 điểm" in problem.message


def test_an_unexpected_schema_keyword_still_becomes_a_problem() -> None:
    from jsonschema import Draft202012Validator

    from engine.definitions import schema

    [error] = Draft202012Validator({"multipleOf": 2}).iter_errors(3)
    [finding] = schema._findings(error)
    assert finding.code == "E117" and "multiple of 2" in finding.params["reason"]


def test_the_default_paths_are_the_repository_pack() -> None:
    names = {p.name for p in loader.default_paths()}
    assert names == {"workflows", "forms"}


def test_a_file_yaml_cannot_read_is_not_also_reported_as_unknown_by_the_files_that_use_it(
    valid_copy: Path,
) -> None:
    roles = valid_copy / "roles.yaml"
    roles.write_text(roles.read_text().replace("scope: own", "scope: [own"))
    result = load_catalog([valid_copy])
    assert codes(result) == ["E101"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    comment: required", "    coment: required", "Unknown key 'coment' (did you mean 'comment'?)"),
        ("to: certified", "to: certifed", "Unknown state 'certifed' (did you mean 'certified'?)"),
        ("roles: [producer]", "roles: [produce]", "Unknown role 'produce' (did you mean 'producer'?)"),
        ("start_clock: review", "start_clock: reveiw", "Unknown clock 'reveiw' (did you mean 'review'?)"),
        ("- record_stars", "- record_star", "Unknown effect 'record_star' (did you mean 'record_stars'?)"),
        ("roles: [producer]", "roles: [nobody]", "Unknown role 'nobody'"),
    ],
)
def test_a_misspelt_name_gets_a_suggestion(old: str, new: str, message: str, valid_catalog: Catalog) -> None:
    text = (VALID / "workflow.yaml").read_text()
    text = text.replace(
        "{id: return, label: Trả lại, from: check, to: returned, roles: [officer], comment: required}",
        "id: return\n    label: Trả lại\n    from: check\n    to: returned\n    roles: [officer]\n    comment: required",
    )
    text = text.replace(
        "effects: [record_stars, issue_certificate]",
        "effects:\n      - record_stars\n      - issue_certificate",
    )
    assert old in text
    result = load_text(text.replace(old, new, 1), "w.yaml", lang="en", context=valid_catalog)
    assert message in [p.message for p in result.problems]


def test_loading_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    assert gc.isenabled()
    load_catalog([VALID])
    assert gc.isenabled()
    gc.disable()
    try:
        load_catalog([VALID])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_file_named_twice_is_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(VALID.parent)
    result = load_catalog(["valid", VALID / "roles.yaml", "valid/roles.yaml"])
    assert result.ok and result.files == 6
