"""A notice's texts: the effect's fixed message, or its message template rendered for one fire
(engine/notice_templates.py) — plain text for the inbox and the mail's text part, autoescaped HTML
for the mail's HTML part, with the link to the dossier on the site's public address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from engine import notice_templates
from engine.definitions.model import Effect, Text

if TYPE_CHECKING:
    from engine.service.effects import EffectContext


def dossier_path(dossier_id: int) -> str:
    return f"/dossiers/{dossier_id}"


@dataclass(frozen=True)
class Notice:
    """One notification's texts: the inbox's (subject, then body) and the mail's, text and HTML."""

    text_vi: str
    text_en: str | None
    subject: str  # the mail's one line
    mail_text: str
    mail_html: str


def _lines(text: str) -> str:
    return " ".join(text.split())


def _values(ctx: EffectContext, link: str) -> dict[str, Any]:
    dossier = {**ctx.dossier, **ctx.changes}
    actor_row = ctx.repo.user_by_username(ctx.actor) if ctx.actor != "system" else None
    name = (actor_row or {}).get("display_name") or ctx.actor
    t_ = ctx.transition
    state = ctx.workflow.states.get(ctx.target or dossier["state"])
    return {
        "dossier": dossier,
        "transition": {"id": t_.id, "label": t_.label} if t_ else None,
        "state": {"id": state.id, "label": state.label} if state else {"id": dossier["state"], "label": ""},
        "actor": {"username": ctx.actor, "name": name},
        "comment": ctx.comment,
        "link": link,
    }


def _rendered(template: Text, values: dict[str, Any], lang: str, html: bool) -> str:
    source = template.en if lang == "en" and template.en else template.vi
    return notice_templates.render(source, _lang_values(values, lang), html=html)


def _lang_values(values: dict[str, Any], lang: str) -> dict[str, Any]:
    """Labels (Text) in the reader's language."""
    out = dict(values)
    for key in ("transition", "state"):
        if out.get(key):
            out[key] = {k: v.get(lang) if isinstance(v, Text) else v for k, v in out[key].items()}
    return notice_templates.notice_values(**out)


def compose(ctx: EffectContext, effect: Effect) -> Notice:
    """The effect's fixed message, or its template rendered for this fire: plain text for the
    inbox and the mail's text part, autoescaped HTML for the mail's HTML part."""
    dossier = {**ctx.dossier, **ctx.changes}
    link = f"{ctx.base_url}{dossier_path(dossier['id'])}"
    title = dossier.get("title") or dossier.get("product_name") or f"#{dossier['id']}"
    template = ctx.workflow.message_templates.get(effect.template or "")
    if template is None:
        message = effect.message
        vi, en = (message.vi if message else ""), (message.en if message else None)
        subject = _lines(f"{vi} — {title}")
        text = [vi, "", f"Hồ sơ / Dossier: {title}", link] + (["", en] if en else [])
        html = [f"<p>{escape(vi)}</p>", f'<p><a href="{escape(link)}">{escape(title)}</a></p>']
        html += [f"<p>{escape(en)}</p>"] if en else []
        return Notice(vi, en, subject, "\n".join(text) + "\n", "\n".join(html) + "\n")
    values = _values(ctx, link)
    parts = {(lang, html): (_rendered(template.subject, values, lang, html), _rendered(template.body, values, lang, html))
             for lang in ("vi", "en") for html in (False, True)}  # fmt: skip
    (subj_vi, body_vi), (subj_en, body_en) = parts[("vi", False)], parts[("en", False)]
    text = [subj_vi, "", body_vi, "", link, "", "—", "", subj_en, "", body_en, ""]
    html = []
    for lang in ("vi", "en"):
        subj, body = parts[(lang, True)]
        html.append(f"<h2>{subj}</h2>\n<p>{body.replace(chr(10), '<br>')}</p>")
    html.append(f'<p><a href="{escape(link)}">{escape(link)}</a></p>')
    return Notice(
        f"{subj_vi}\n{body_vi}",
        f"{subj_en}\n{body_en}",
        _lines(subj_vi),
        "\n".join(text),
        "\n<hr>\n".join(html) + "\n",
    )
