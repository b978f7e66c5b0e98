from __future__ import annotations

import pytest

from engine.context import GUARD_NAMES
from engine.expressions import (
    TEMPLATE_NAMES,
    ExpressionError,
    Namespace,
    check,
    evaluate,
    render,
    truthy,
)


@pytest.mark.parametrize(
    ("source", "codes"),
    [
        ("score.stars >= 3", []),
        ("forms['ocop-2026-mau-01'].registration_kind in ['first', 'upgrade']", []),
        ("score.total >= 90 and dossier.kind != 'reevaluation'", []),
        ("score.stars >= ", ["E301"]),
        ("secret.value", ["E302"]),
        ("dossier.__class__", ["E303"]),
        ("dossier['__class__']", ["E303"]),
        ("forms._data", ["E303"]),
        ("dossier | attr('__class__')", ["E303"]),
        ("[dossier] | map(attribute='__class__') | list", ["E303"]),
        ("[dossier] | map('attr', '_data') | list", ["E303"]),
        ("[dossier] | selectattr('kind.__class__') | list", ["E303"]),
        ("[dossier] | sort(attribute='__init__') | list", ["E303"]),
        ("dossier.kind | replace('_', '-') == 'first'", []),
        ("[dossier] | map(attribute='kind') | list", []),
        ("dossier.kind | lenght", ["E301"]),
        ("dossier.kind is lenghty", ["E301"]),
    ],
)
def test_guard_expressions_are_checked_before_they_run(source: str, codes: list[str]) -> None:
    assert [issue.code for issue in check(source, GUARD_NAMES)] == codes


def test_a_very_long_expression_is_refused() -> None:
    assert [i.code for i in check("1 + " * 1000 + "1", GUARD_NAMES)] == ["E301"]


def test_guards_read_nested_context_by_attribute_and_by_key() -> None:
    context = {"forms": Namespace({"mau-01": {"kind": "upgrade"}}), "score": Namespace({"stars": 4})}
    assert evaluate("forms['mau-01'].kind == 'upgrade' and score.stars >= 3", context) is True


def test_a_missing_answer_is_none_rather_than_an_error() -> None:
    assert evaluate("forms['mau-01'].kind is none", {"forms": Namespace({"mau-01": {}})}) is True


def test_an_empty_guard_passes() -> None:
    assert truthy(None, {}) is True
    assert truthy("", {}) is True


@pytest.mark.parametrize(
    "source",
    [
        "dossier.__class__.__mro__",
        "dossier.__init__.__globals__",
        "().__class__.__base__.__subclasses__()",
        "lipsum.__globals__",
    ],
)
def test_the_sandbox_refuses_attribute_walks_at_run_time(source: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, {"dossier": Namespace({})})
    assert caught.value.code in {"E303", "E304"}


def test_an_undefined_name_at_run_time_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("nothing_here > 1", {})
    assert caught.value.code == "E304"


def test_product_codes_render_from_a_template() -> None:
    template = "{{ province_code }}-{{ commune_code }}-{{ '%03d' | format(sequence) }}-{{ year }}"
    assert check(template, TEMPLATE_NAMES, template=True) == []
    code = render(template, {"province_code": "80", "commune_code": "25450", "sequence": 7, "year": 2026})
    assert code == "80-25450-007-2026"


def test_a_template_with_an_unknown_name_is_reported() -> None:
    assert [i.code for i in check("{{ owner }}-{{ year }}", TEMPLATE_NAMES, template=True)] == ["E302"]
