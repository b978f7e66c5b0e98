"""Message templates of notifications: the names they may read, their checks, their rendering.

A workflow declares its templates under `message_templates:` (docs/definitions.md, "Message
templates"); a `notify` effect or a timer names one with `template:`. Each template has a
`subject` (one line: what happened, to which dossier) and a `body` (why, and what the reader
should do next), both Vietnamese first and English. The engine adds the link to the dossier.

Templates are Jinja2 text run in the SandboxedEnvironment: the plain-text rendering (the inbox,
the text part of a mail) escapes nothing; the HTML rendering (the mail's HTML part) autoescapes
every value, so a comment typed as `<b>` reaches a mail reader as text, never as markup.
The validator checks every name and key against `NAMES` below (E255), so a misspelt
`{{ coment }}` is a problem at its line instead of an empty space in a mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.context import DOSSIER, Name
from engine.expressions import Namespace, private_access

MAX_TEMPLATE_LENGTH = 4000

# The names a template reads; the keys of the object ones are declared below.
NAMES: tuple[Name, ...] = (
    Name("dossier", "object", "the dossier: keys below", "hồ sơ: các khóa bên dưới"),
    Name("transition", "object", "the step fired: id, label (empty for a timer)",
         "bước vừa thực hiện: id, label (trống nếu do hẹn giờ)"),
    Name("state", "object", "the state the dossier is now in: id, label", "trạng thái hiện tại của hồ sơ: id, label"),
    Name("actor", "object", "who fired it: username, name ('system' for a timer)",
         "người thực hiện: username, name ('system' nếu do hẹn giờ)"),
    Name("comment", "text", "the comment or reason given with the step (empty if none)",
         "ý kiến hoặc lý do kèm theo bước (trống nếu không có)"),
    Name("link", "text", "the dossier's address on the site", "địa chỉ của hồ sơ trên trang"),
)  # fmt: skip

DOSSIER_KEYS = frozenset({n.key for n in DOSSIER} | {"product_name", "producer_org", "filed_on", "title"})
KEYS: Mapping[str, frozenset[str]] = {
    "dossier": DOSSIER_KEYS,
    "transition": frozenset({"id", "label"}),
    "state": frozenset({"id", "label"}),
    "actor": frozenset({"username", "name"}),
}
ALLOWED = frozenset(n.key for n in NAMES)


class _Blank(Undefined):
    """A value the dossier does not have yet renders as nothing (the names are checked statically)."""

    __slots__ = ()


_TEXT = ImmutableSandboxedEnvironment(autoescape=False, undefined=_Blank, keep_trailing_newline=False)
_HTML = ImmutableSandboxedEnvironment(autoescape=True, undefined=_Blank, keep_trailing_newline=False)
for _env in (_TEXT, _HTML):
    _env.globals.clear()


@dataclass(frozen=True)
class TemplateIssue:
    code: str  # E256 syntax, E255 unknown name or key, E303 private attribute
    detail: str


def check(source: str) -> list[TemplateIssue]:
    """Static checks of one template text: it compiles and reads only the declared names."""
    if len(source) > MAX_TEMPLATE_LENGTH:
        return [TemplateIssue("E256", f"longer than {MAX_TEMPLATE_LENGTH} characters")]
    try:
        tree = _TEXT.parse(source)
        _TEXT.compile(tree)
    except TemplateSyntaxError as exc:
        return [TemplateIssue("E256", exc.message or "syntax error")]
    issues: list[TemplateIssue] = []
    stored = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    seen: set[str] = set()
    for name in tree.find_all(nodes.Name):
        if (
            name.ctx == "load"
            and name.name not in ALLOWED
            and name.name not in stored
            and name.name not in seen
        ):
            seen.add(name.name)
            issues.append(TemplateIssue("E255", f"'{name.name}'"))
    for attr in tree.find_all(nodes.Getattr):
        root = attr.node.name if isinstance(attr.node, nodes.Name) else ""
        if root in KEYS and not attr.attr.startswith("_") and attr.attr not in KEYS[root]:
            issues.append(TemplateIssue("E255", f"'{root}.{attr.attr}'"))
    issues.extend(TemplateIssue(i.code, i.message) for i in private_access(tree))
    return issues


@lru_cache(maxsize=1024)
def _compiled(source: str, html: bool) -> Any:
    return (_HTML if html else _TEXT).from_string(source)


def render(source: str, values: Mapping[str, Any], *, html: bool = False) -> str:
    """The template with `values` (see `notice_values`); HTML-escaped when `html`."""
    context = {k: Namespace(v) if isinstance(v, Mapping) else v for k, v in values.items()}
    return str(_compiled(source, html).render(**context)).strip()


def notice_values(
    *,
    dossier: Mapping[str, Any],
    transition: Mapping[str, Any] | None,
    state: Mapping[str, Any],
    actor: Mapping[str, Any],
    comment: str | None,
    link: str,
) -> dict[str, Any]:
    """The names a template reads, from what the firing knows (one place builds them)."""
    shown = {key: dossier.get(key) for key in DOSSIER_KEYS}
    shown["year"] = getattr(dossier.get("filed_on"), "year", None)
    shown["title"] = dossier.get("product_name") or f"#{dossier.get('id')}"
    # None would render as the word "None": a value the dossier lacks is left blank.
    shown = {k: "" if v is None else v for k, v in shown.items()}
    return {
        "dossier": shown,
        "transition": dict(transition or {"id": "", "label": ""}),
        "state": dict(state),
        "actor": dict(actor),
        "comment": comment or "",
        "link": link,
    }
