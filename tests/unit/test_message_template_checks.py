"""Message templates (engine/notice_templates.py): what the checks catch, and the two renderings."""

from __future__ import annotations

import pytest

from engine import notice_templates as nt


def _values(comment: str) -> dict[str, object]:
    return nt.notice_values(
        dossier={"id": 7, "product_name": "Mắm tôm <Gò Công>", "stars": None},
        transition={"id": "commune_return", "label": "Trả lại để bổ sung"},
        state={"id": "returned", "label": "Trả lại"},
        actor={"username": "commune1", "name": "Cán bộ xã"},
        comment=comment,
        link="https://ocop.example.vn/dossiers/7",
    )


def test_plain_text_keeps_what_was_typed_and_html_escapes_it() -> None:
    source = "{{ dossier.title }}: {{ comment }} ({{ dossier.stars }})"
    values = _values("<script>x</script> & thiếu ATTP")
    assert nt.render(source, values) == "Mắm tôm <Gò Công>: <script>x</script> & thiếu ATTP ()"
    html = nt.render(source, values, html=True)
    assert "&lt;script&gt;" in html and "<script>" not in html and "&amp; thiếu ATTP" in html


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("Lý do: {{ coment }}", "E255"),
        ("{{ dossier.titel }}", "E255"),
        ("{{ actor.password }}", "E255"),
        ("{{ dossier.title }", "E256"),
        ("{{ comment.__class__ }}", "E303"),
        ("{{ comment | nofilter }}", "E256"),
    ],
)
def test_a_template_reading_what_it_may_not_is_a_problem(source: str, code: str) -> None:
    assert [i.code for i in nt.check(source)][:1] == [code]


def test_a_template_with_declared_names_and_its_own_loop_variable_passes() -> None:
    assert nt.check("{% for w in comment.split() %}{{ w }}{% endfor %} {{ link }} {{ state.label }}") == []
