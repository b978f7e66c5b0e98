"""Who a `notify` effect tells, their inbox, and their mails (immediate or a daily digest).

`compose(ctx, effect)` gives the notice its texts: the effect's fixed `message`, or its message
template (engine/notice_templates.py) rendered with the dossier, the step, the actor and the
comment, as plain text (the inbox, the mail's text part) and autoescaped HTML (the mail's HTML
part), the link built on the service's public address. `deliver(ctx, effect, ...)` runs inside
the fire's transaction: the effect's roles are resolved to the active users who hold one of them
with a scope covering the dossier (engine.permissions.in_scope, the same rule that decides what
they may see) — or, for `council:`, to the council sitting in the state entered, less those who
saved a sheet there — one `user_notifications` row each, and an immediate mail in the outbox for
those who chose immediate mails and gave an address.

`send_digests(transaction, settings, now)` queues, once per user and day, one mail listing the
unread notifications of the users who chose the daily digest; a second call the same day queues
nothing. The queued mails then go out through `engine.service.mail.deliver_outbox`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, insert, or_, select, update

from engine.definitions import councils
from engine.definitions.model import Effect
from engine.errors import InvalidForm, NotFound
from engine.messages import say
from engine.permissions import Actor, DossierFacts, granted, in_scope
from engine.service.credentials import actor_from_row
from engine.service.mail import enqueue_mail
from engine.service.notice_text import Notice, dossier_path
from engine.storage import tables as t
from engine.storage.repository import Repository, Row

if TYPE_CHECKING:
    from engine.definitions.model import RoleSet
    from engine.service.base import ServiceBase
    from engine.service.effects import EffectContext

MAIL_MODES = ("immediate", "digest")
MAX_EMAIL = 320
INBOX_PAGE = 50


def facts_of(dossier: Row) -> DossierFacts:
    return DossierFacts(
        str(dossier["id"]),
        dossier["state"],
        dossier["province_code"],
        dossier["commune_code"],
        dossier["producer_org"],
    )


def recipients(repo: Repository, roleset: RoleSet, roles: Iterable[str], facts: DossierFacts) -> list[Row]:
    """The active users holding one of `roles` whose scope (by the roles file) covers the dossier."""
    wanted = set(roles)
    areas = [a for a in (facts.commune_code, facts.province_code) if a]
    conditions: list[ColumnElement[bool]] = [t.users.c.area.is_(None), t.users.c.area.in_(areas)]
    if facts.producer_org:
        conditions.append(t.users.c.organisation == facts.producer_org)
    q = select(t.users).where(t.users.c.active.is_(True), or_(*conditions)).order_by(t.users.c.id)
    found = []
    for row in repo.connection.execute(q).mappings():
        actor = actor_from_row(dict(row))
        for role in granted(actor.roles, roleset):
            if role.id in wanted and in_scope(actor, role, facts):
                found.append(dict(row))
                break
    return found


def council_without_sheet(ctx: EffectContext, effect: Effect) -> list[Row]:
    """The council sitting in the state entered (its members and chair, in scope): everyone, or
    those who have saved no sheet there yet (`council: without_sheet`)."""
    assert ctx.roleset is not None
    target = ctx.target or ctx.dossier["state"]
    council = councils.sittings(ctx.workflow, ctx.roleset).get(target)
    if council is None:
        return []
    users = recipients(ctx.repo, ctx.roleset, council.roles, facts_of({**ctx.dossier, "state": target}))
    if effect.council != "without_sheet":
        return users
    saved = {r["member"] for r in ctx.repo.score_sheets(ctx.dossier["id"]) if r["state"] == target}
    return [u for u in users if u["username"] not in saved]


def deliver(ctx: EffectContext, effect: Effect, notification_id: int, notice: Notice) -> list[str]:
    """Give the notification to each recipient (and queue their immediate mail); their usernames."""
    assert ctx.roleset is not None
    if effect.council:
        told = council_without_sheet(ctx, effect)
    else:
        told = recipients(ctx.repo, ctx.roleset, effect.roles, facts_of({**ctx.dossier, **ctx.changes}))
    for user in told:
        ctx.repo.connection.execute(
            insert(t.user_notifications).values(
                notification_id=notification_id, user_id=user["id"], created_at=ctx.now
            )
        )
        if user.get("email") and user.get("mail_mode", "immediate") == "immediate":
            enqueue_mail(ctx.repo, recipient=user["email"], subject=notice.subject, body=notice.mail_text,
                         html=notice.mail_html, now=ctx.now)  # fmt: skip
    return [u["username"] for u in told]


@dataclass(frozen=True)
class InboxItem:
    id: int
    dossier_id: int
    message_vi: str
    message_en: str | None
    created_at: dt.datetime
    read: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dossier_id": self.dossier_id,
            "message": {"vi": self.message_vi, "en": self.message_en},
            "created_at": self.created_at.isoformat(),
            "read": self.read,
        }


ID_MAX = 2**31 - 1


def _user_id(repo: Repository, actor: Actor) -> int:
    row = repo.user_by_username(actor.id)
    if row is None:
        raise NotFound(say("user.not_found", username=actor.id))
    return int(row["id"])


_INBOX = select(
    t.user_notifications.c.id,
    t.user_notifications.c.read_at,
    t.user_notifications.c.created_at,
    t.notifications.c.dossier_id,
    t.notifications.c.message_vi,
    t.notifications.c.message_en,
).select_from(t.user_notifications.join(t.notifications))


def _item(r: Any) -> InboxItem:
    return InboxItem(
        id=r["id"],
        dossier_id=r["dossier_id"],
        message_vi=r["message_vi"],
        message_en=r["message_en"],
        created_at=r["created_at"],
        read=r["read_at"] is not None,
    )


class NotificationUseCases:
    """The signed-in person's inbox and mail choice."""

    def __init__(self, base: ServiceBase) -> None:
        self.base = base

    def inbox(self, actor: Actor, *, limit: int = INBOX_PAGE) -> list[InboxItem]:
        """The actor's notifications, newest first."""
        with self.base._tx(write=False) as repo:
            user_id = _user_id(repo, actor)
            q = (
                _INBOX.where(t.user_notifications.c.user_id == user_id)
                .order_by(t.user_notifications.c.id.desc())
                .limit(max(1, min(limit, 500)))
            )
            return [_item(r) for r in repo.connection.execute(q).mappings()]

    def unread_count(self, actor: Actor) -> int:
        with self.base._tx(write=False) as repo:
            row = repo.user_by_username(actor.id)
            if row is None:
                return 0
            q = select(func.count()).where(
                t.user_notifications.c.user_id == row["id"], t.user_notifications.c.read_at.is_(None)
            )
            return int(repo.connection.execute(q).scalar_one())

    def mark_read(self, actor: Actor, item_id: int | None = None) -> int:
        """Mark one (by id) or all of the actor's unread notifications read; how many changed.
        Another person's notification is not found."""
        now = self.base.now()
        with self.base._tx() as repo:
            user_id = _user_id(repo, actor)
            where = [t.user_notifications.c.user_id == user_id, t.user_notifications.c.read_at.is_(None)]
            if item_id is not None:
                if not 0 < item_id <= ID_MAX:  # beyond any stored id (and beyond PostgreSQL's integer)
                    raise NotFound(say("notification.not_found", id=item_id))
                owner = repo.connection.execute(
                    select(t.user_notifications.c.user_id).where(t.user_notifications.c.id == item_id)
                ).scalar()
                if owner != user_id:
                    raise NotFound(say("notification.not_found", id=item_id))
                where.append(t.user_notifications.c.id == item_id)
            changed = repo.connection.execute(
                update(t.user_notifications).where(*where).values(read_at=now)
            ).rowcount
            if changed:
                repo.append_event(
                    at=now,
                    actor=actor.id,
                    action="notifications_read",
                    payload={"id": item_id, "count": int(changed)},
                )
            return int(changed)

    def mail_choice(self, actor: Actor) -> tuple[str | None, str]:
        with self.base._tx(write=False) as repo:
            row = repo.user_by_username(actor.id)
            if row is None:
                raise NotFound(say("user.not_found", username=actor.id))
            return row.get("email"), row.get("mail_mode") or "immediate"

    def set_mail_choice(self, actor: Actor, username: str, email: str | None, mail_mode: str) -> None:
        """The person's own address and mode, or (an administrator) anyone's."""
        email = check_mail_choice(email, mail_mode)
        with self.base._tx() as repo:
            if username != actor.id:
                self.base.require(actor, "administer")  # type: ignore[attr-defined]
            row = repo.user_by_username(username)
            if row is None:
                raise NotFound(say("user.not_found", username=username))
            repo.update_user(row["id"], email=email, mail_mode=mail_mode)
            repo.append_event(
                at=self.base.now(),
                actor=actor.id,
                action="set_mail_choice",
                payload={"username": username, "email": email, "mail_mode": mail_mode},
            )


def check_mail_choice(email: str | None, mail_mode: str) -> str | None:
    """The address stripped (None: no mails), or InvalidForm naming `email` / `mail_mode`."""
    email = (email or "").strip() or None
    problems = {}
    if email is not None and (len(email) > MAX_EMAIL or email_problem(email)):
        problems["email"] = say("user.email_invalid")
    if mail_mode not in MAIL_MODES:
        problems["mail_mode"] = say("user.mail_mode_invalid", modes=", ".join(MAIL_MODES))
    if problems:
        raise InvalidForm(say("user.not_saved"), problems)
    return email


def email_problem(email: str) -> bool:
    """A plain check: one @, something either side, a dot in the domain, no spaces or controls."""
    local, at, domain = email.rpartition("@")
    return (
        not at
        or not local
        or "." not in domain.strip(".")
        or any(c.isspace() or ord(c) < 32 for c in email)
        or "@" in domain
    )


@dataclass(frozen=True)
class DigestReport:
    mails: int
    notifications: int


def send_digests(
    transaction: Callable[..., AbstractContextManager[Repository]],
    settings: object,
    now: dt.datetime,
    *,
    base_url: str = "",
) -> DigestReport:
    """Queue today's digest for each digest user with an address and unread notifications not yet
    in a digest: one mail per user per day (a user already sent a digest today gets none), and the
    notifications it lists are stamped with the day so no later digest repeats them.
    `settings` is the SmtpSettings the worker holds (unused here: the outbox sends)."""
    del settings
    today = now.date()
    mails = count = 0
    with transaction(write=True) as repo:
        users = (
            repo.connection.execute(
                select(t.users)
                .where(
                    t.users.c.active.is_(True), t.users.c.mail_mode == "digest", t.users.c.email.is_not(None)
                )
                .order_by(t.users.c.id)
            )
            .mappings()
            .all()
        )
        for user in users:
            un = t.user_notifications
            done_today = repo.connection.execute(
                select(func.count()).where(un.c.user_id == user["id"], un.c.digested_on == today)
            ).scalar_one()
            if done_today:
                continue
            q = _INBOX.where(
                un.c.user_id == user["id"], un.c.read_at.is_(None), un.c.digested_on.is_(None)
            ).order_by(un.c.id)
            items = [_item(r) for r in repo.connection.execute(q).mappings()]
            if not items:
                continue
            lines = [f"{len(items)} thông báo chưa đọc / unread notifications", ""]
            for item in items:
                first, *rest = item.message_vi.splitlines() or [""]
                lines.append(f"- {item.created_at:%d/%m/%Y %H:%M} {first}")
                lines.extend(f"  {line}" for line in rest)
                if item.message_en:
                    lines.extend(f"  {line}" for line in item.message_en.splitlines())
                lines.append(f"  {base_url}{dossier_path(item.dossier_id)}")
            enqueue_mail(
                repo,
                recipient=user["email"],
                subject=f"ocopflow: {len(items)} thông báo ngày {today:%d/%m/%Y}",
                body="\n".join(lines) + "\n",
                now=now,
            )
            repo.connection.execute(
                update(un).where(un.c.id.in_([i.id for i in items])).values(digested_on=today)
            )
            repo.append_event(
                at=now,
                actor="system",
                action="digest_queued",
                payload={"username": user["username"], "day": today.isoformat(), "count": len(items)},
            )
            mails += 1
            count += len(items)
    return DigestReport(mails=mails, notifications=count)
