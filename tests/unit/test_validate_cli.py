"""`ocopflow validate` as an administrator uses it: output, exit status, test cases."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.definitions import loader, messages

EXAMPLES = Path(__file__).resolve().parents[1] / "definitions"
VALID = EXAMPLES / "valid"


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(VALID, tmp_path / "valid")
    monkeypatch.chdir(tmp_path)
    loader.clear_cache()
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["validate", *args])
    return status, capsys.readouterr().out


def test_clean_definitions_exit_zero_with_a_summary(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = run(capsys, "valid", "--lang", "en")
    assert status == 0
    assert out.strip() == "6 files checked: 0 errors, 0 warnings; test cases: 8 passed, 0 failed"


def test_each_problem_is_one_line_with_a_hint_and_paths_relative_to_the_cwd(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roles = workdir / "valid" / "roles.yaml"
    roles.write_text(roles.read_text().replace("scope: own", "scope: own\n    colour: red"))
    status, out = run(capsys, "valid", "--lang", "en")
    lines = out.splitlines()
    assert status == 1
    assert lines[0] == "valid/roles.yaml:8:5: E110 Unknown key 'colour'"
    assert lines[1].startswith("    Check the spelling; allowed keys:")
    assert lines[-1].startswith("6 files checked: 1 errors, 0 warnings; test cases not run")


def test_vietnamese_is_the_default_language(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "valid")
    assert status == 0 and out.startswith("Đã kiểm tra 6 tệp: 0 lỗi")


def test_warnings_alone_do_not_fail(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    form = workdir / "valid" / "form.yaml"
    form.write_text(
        form.read_text().replace("label: Tên sản phẩm, max_length: 200", "label: Tên sản phẩm, integer: true")
    )
    status, out = run(capsys, "valid", "--lang", "en")
    assert status == 0 and "W005" in out and "0 errors, 1 warnings" in out


def test_json_output_is_a_document_for_machines(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "valid" / "workflow.yaml").write_text(
        (VALID / "workflow.yaml").read_text().replace("to: certified", "to: certifed")
    )
    status, out = run(capsys, "valid", "--format", "json", "--lang", "en")
    document = json.loads(out)
    assert status == 1 and document["ok"] is False and document["files"] == 6
    by_code = {p["code"]: p for p in document["problems"]}
    assert set(by_code) == {"E203", "E211"}  # the misspelt target, and the state it no longer reaches
    problem = by_code["E203"]
    assert problem["file"] == "valid/workflow.yaml" and "certified" in by_code["E211"]["message"]
    assert problem["path"] == "transitions/3/to" and problem["severity"] == "error"
    assert document["tests"] == {"passed": 0, "failed": 0, "results": []}


def test_a_failing_test_case_is_reported_at_its_line_and_fails(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = workdir / "valid" / "cases.tests.yaml"
    cases.write_text(
        cases.read_text().replace(
            "expect: {total: 10, stars: 4, capped_by: null}", "expect: {total: 10, stars: 5}"
        )
    )
    status, out = run(capsys, "valid", "--lang", "en")
    assert status == 1
    assert (
        "valid/cases.tests.yaml:4:5: E501 Test case 'the best answers reach 4 stars' failed: stars: expected 5, got 4"
        in out
    )
    assert out.splitlines()[-1].endswith("test cases: 7 passed, 1 failed")


def test_no_tests_skips_the_test_cases(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "valid", "--no-tests", "--format", "json")
    assert status == 0 and json.loads(out)["tests"]["passed"] == 0


def test_a_case_whose_engine_module_is_missing_cannot_pass(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "engine.scoring", None)  # import raises ImportError
    status, out = run(capsys, "valid", "--format", "json")
    document = json.loads(out)
    failed = [r for r in document["tests"]["results"] if not r["passed"]]
    assert status == 1 and len(failed) == 3
    assert {r["code"] for r in failed} == {"E502"} and "engine.scoring missing" in failed[0]["detail"]


def test_a_permission_case_with_a_wrong_expectation_fails(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = workdir / "valid" / "cases.tests.yaml"
    cases.write_text(
        cases.read_text().replace("expect: {allowed: false, reason: role}", "expect: {allowed: true}")
    )
    status, out = run(capsys, "valid", "--lang", "en")
    assert (
        status == 1
        and "E501 Test case 'council members cannot approve' failed: allowed: expected True, got False" in out
    )


COUNCIL_CASE = """
  - name: three members and the chair
    scoring_form: test-scoring
    answers: {"1.1": c, "1.2": b, "2.1": b}
    council:
      members: 4
      sheets:
        - {member: chair}
        - {member: m2}
        - {member: m3, answers: {"1.1": b}}
        - {member: m4, flags: [forged]}
    expect: {EXPECT}
"""


def _council_case(workdir: Path, expect: str) -> Path:
    cases = workdir / "valid" / "cases.tests.yaml"
    cases.write_text(cases.read_text() + COUNCIL_CASE.replace("{EXPECT}", expect))
    return cases


def test_a_council_case_combines_the_members_sheets_and_checks_the_result(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # sheets 10, 10, 9 (1.1 b: one point less) and 10; one forged tick of four rejects nothing
    expect = "{total: 9.75, spread: 1, stars: 4, rejected: false, quorum_met: true, totals: {chair: 10, m2: 10, m3: 9, m4: 10}}"
    _council_case(workdir, expect)
    status, out = run(capsys, "valid", "--lang", "en")
    assert status == 0 and out.strip().endswith("test cases: 9 passed, 0 failed"), out


def test_a_council_case_with_a_wrong_expectation_fails_at_its_line(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _council_case(workdir, "{total: 10, stars: 4, quorum_met: false}")
    line = cases.read_text().splitlines().index("  - name: three members and the chair") + 1
    status, out = run(capsys, "valid", "--lang", "en")
    assert status == 1
    assert (
        f"valid/cases.tests.yaml:{line}:5: E501 Test case 'three members and the chair' failed: "
        "total: expected 10, got 9.75; quorum_met: expected False, got True"
    ) in out


def test_codes_prints_every_code_with_its_hint(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "--codes", "--lang", "en")
    assert status == 0
    printed = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert printed == list(messages.CODES)
    status, out = run(capsys, "--codes", "--format", "json")
    assert {row["code"] for row in json.loads(out)} == set(messages.CODES)


def test_every_code_is_documented_in_the_manual() -> None:
    manual = (Path(__file__).resolve().parents[2] / "docs" / "definitions.md").read_text("utf-8")
    missing = [code for code in messages.CODES if f"| `{code}` |" not in manual]
    assert missing == []


def test_a_path_that_does_not_exist_fails_cleanly(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "nowhere.yaml", "--lang", "en")
    assert status == 1 and out.startswith(
        "nowhere.yaml:0:0: E100 The file cannot be read: no such file or folder"
    )


def test_test_cases_checked_on_their_own_use_the_definitions_they_refer_to(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "pack").mkdir()
    for name in ("roles.yaml", "workflow.yaml", "form.yaml", "scoring.yaml", "units.yaml", "units.csv"):
        shutil.move(str(workdir / "valid" / name), workdir / "pack" / name)
    monkeypatch.setattr(loader, "default_paths", lambda: [workdir / "pack"])
    status, out = run(capsys, "valid/cases.tests.yaml", "--lang", "en")
    assert status == 0 and out.strip().endswith("test cases: 8 passed, 0 failed")


def test_a_case_whose_dossier_does_not_fit_cannot_run_and_says_why(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = workdir / "valid" / "cases.tests.yaml"
    cases.write_text(
        cases.read_text().replace("dossier: {forms: {test-form: {kind: first}}}", "dossier: {fired: [x]}")
    )
    status, out = run(capsys, "valid", "--lang", "en")
    assert status == 1
    assert "E502 Test case 'a producer may submit its own draft' cannot run: AttributeError" in out


def test_the_progress_bar_is_shown_only_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.commands import validate

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with validate._progress(True) as progress:
        assert progress is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with validate._progress(False) as progress:
        assert progress is None  # --format json: machines get no bar
    with validate._progress(True) as progress:
        assert progress is not None
        progress(10, 20)


def test_one_folder_of_the_pack_is_checked_against_the_rest(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "pack").mkdir()
    for name in ("roles.yaml", "form.yaml", "scoring.yaml", "units.yaml", "units.csv", "cases.tests.yaml"):
        shutil.move(str(workdir / "valid" / name), workdir / "pack" / name)
    monkeypatch.setattr(loader, "default_paths", lambda: [workdir / "valid", workdir / "pack"])
    status, out = run(capsys, "valid", "--lang", "en")
    assert status == 0 and out.startswith("1 files checked: 0 errors, 0 warnings")
