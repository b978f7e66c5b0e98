"""`ocopflow definitions install|approve|list`, `ocopflow migrate` and `ocopflow users …`:
what an administrator does on the admin pages, for scripts and for a new installation.

Every command acts as an existing administrator named by `--as` (audited under that name), except
`users create` on a database without users: that makes the first administrator.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.commands.db import add_database_options

_opened: list[Any] = []  # the databases a command opened, disposed when it returns


def _service(args: argparse.Namespace) -> Any:
    from engine.commands.db import DEFAULT_DEFINITIONS, instance_dir, load_definitions, open_database
    from engine.service import Service

    try:
        catalog = load_definitions(getattr(args, "definitions", None) or DEFAULT_DEFINITIONS)
        if catalog is None:
            return None
        database = open_database(args)
        _opened.append(database)
        return Service(database.transaction, catalog, evidence_dir=instance_dir() / "evidence")
    except Exception as exc:  # the database cannot be opened: say so, exit 1
        print(f"cannot open the database: {exc}", file=sys.stderr)
        return None


def _closing(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        finally:
            while _opened:
                _opened.pop().engine.dispose()

    return run


def _actor(service: Any, args: argparse.Namespace) -> Any:
    username = getattr(args, "as_user", None)
    if not username:
        print("name the administrator who acts: --as USERNAME", file=sys.stderr)
        return None
    actor = service.actor_for_username(username)
    if actor is None:
        print(f"no active user '{username}'", file=sys.stderr)
    return actor


def _refused(exc: Exception) -> int:
    print(f"refused: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
    for problem in getattr(exc, "problems", None) or []:
        print(problem.format() if hasattr(problem, "format") else str(problem), file=sys.stderr)
    return 1


def read_bundle(paths: list[str]) -> list[tuple[str, bytes]]:
    """Files of a bundle: folders (names relative to the folder), zip archives and single files."""
    from engine.definitions.bundle import SUFFIXES, read_zip

    out: list[tuple[str, bytes]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path)
                if (
                    f.is_file()
                    and f.suffix.lower() in SUFFIXES
                    and not any(p.startswith(".") for p in rel.parts)
                ):
                    out.append((rel.as_posix(), f.read_bytes()))
        elif path.suffix.lower() == ".zip":
            out.extend(read_zip(path.read_bytes()))
        else:
            out.append((path.name, path.read_bytes()))
    return out


# --- definitions ----------------------------------------------------------------------


def install(args: argparse.Namespace) -> int:
    from engine.definitions.bundle import BundleError
    from engine.errors import OcopflowError

    try:
        files = read_bundle(args.paths)
    except (OSError, BundleError) as exc:
        print(f"cannot read the bundle: {exc}", file=sys.stderr)
        return 1
    service = _service(args)
    actor = _actor(service, args) if service else None
    if actor is None:
        return 1
    try:
        installed = service.install_bundle(actor, files, effective_from=args.effective_from)
    except OcopflowError as exc:
        return _refused(exc)
    if not installed.versions:
        print("every definition of the bundle is installed already; nothing changed")
    for v in installed.versions:
        print(f"{v.status:<9} {v.kind} {v.def_id} {v.version} from {v.effective_from or '—'} {v.sha256[:12]}")
    if installed.pending:
        print(f"proposed as bundle {installed.bundle}: another administrator approves it with")
        print(f"  ocopflow definitions approve {installed.bundle} --as OTHER_ADMIN")
    return 0


def approve(args: argparse.Namespace) -> int:
    from engine.errors import OcopflowError

    service = _service(args)
    actor = _actor(service, args) if service else None
    if actor is None:
        return 1
    matches = {
        v.bundle for v in service.definition_versions() if v.bundle and v.bundle.startswith(args.bundle)
    }
    bundle = matches.pop() if len(matches) == 1 else args.bundle
    try:
        approved = service.approve_bundle(actor, bundle)
    except OcopflowError as exc:
        return _refused(exc)
    for v in approved:
        print(
            f"active    {v.kind} {v.def_id} {v.version} (proposed by {v.proposed_by}, approved by {v.approved_by})"
        )
    return 0


def list_versions(args: argparse.Namespace) -> int:
    service = _service(args)
    if service is None:
        return 1
    for v in service.definition_versions():
        until = f" until {v.effective_until}" if v.effective_until else ""
        print(f"{v.status:<11} {v.kind:<12} {v.def_id} {v.version or '—'} from {v.effective_from or '—'}{until} "
              f"{v.sha256[:12]} proposed by {v.proposed_by or v.activated_by}, approved by {v.approved_by or '—'}")  # fmt: skip
    return 0


# --- migration ----------------------------------------------------------------------------


def migrate(args: argparse.Namespace) -> int:
    from engine.errors import OcopflowError

    try:
        text = Path(args.plan).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.plan}: {exc}", file=sys.stderr)
        return 1
    service = _service(args)
    actor = _actor(service, args) if service else None
    if actor is None:
        return 1
    try:
        if args.apply:
            plan = service.apply_migration_plan(actor, text, args.plan)
            print(f"moved {len(plan.items)} dossiers to {plan.workflow_id} {plan.to_version}")
            return 0
        preview = service.preview_migration_plan(actor, text, args.plan)
    except OcopflowError as exc:
        return _refused(exc)
    for problem in preview.problems:
        print(problem.format(), file=sys.stderr)
    if preview.plan is None:
        return 1
    plan = preview.plan
    print(f"{plan.workflow_id} {plan.from_version} -> {plan.to_version}: {len(plan.items)} open dossiers")
    for item in plan.items:
        if item.to_state is None or item.problem:
            why = item.problem or f"no state for '{item.from_state}' in {plan.to_version}"
            print(f"  #{item.dossier_id} {item.from_state} -> BLOCKED: {why}")
            continue
        extra = []
        if item.invalid_forms:
            extra.append("forms to complete again: " + ", ".join(item.invalid_forms))
        if item.scores_to_redo:
            extra.append("score sheets to redo")
        print(
            f"  #{item.dossier_id} {item.from_state} -> {item.to_state}"
            + (f" ({'; '.join(extra)})" if extra else "")
        )
    return 0 if preview.ok else 1


# --- users --------------------------------------------------------------------------------


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        print("give the password with --password-stdin (or run in a terminal)", file=sys.stderr)
        return None
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        print("the two passwords differ", file=sys.stderr)
        return None
    return first


def _roles(text: str) -> list[str]:
    return [r.strip() for r in text.split(",") if r.strip()]


def create_user(args: argparse.Namespace) -> int:
    from engine.errors import OcopflowError

    service = _service(args)
    if service is None:
        return 1
    actor = None
    if service.has_users():
        actor = _actor(service, args)
        if actor is None:
            return 1
    password = _password(args)
    if password is None:
        return 1
    from engine.service.notifications import check_mail_choice

    try:
        check_mail_choice(args.email, args.mail_mode)  # refused before the user exists, not after
        user = service.create_user(
            actor, args.username, password, _roles(args.roles), area=args.area,
            organisation=args.organisation, display_name=args.name or "",
        )  # fmt: skip
        if args.email or args.mail_mode != "immediate":
            who = actor or service.actor_for_username(user.username)
            service.notices.set_mail_choice(who, user.username, args.email, args.mail_mode)
    except OcopflowError as exc:
        return _refused(exc)
    print(f"created {user.username}: {', '.join(user.roles)}" + (f" · {user.area}" if user.area else ""))
    return 0


def set_roles(args: argparse.Namespace) -> int:
    from engine.errors import OcopflowError

    service = _service(args)
    actor = _actor(service, args) if service else None
    if actor is None:
        return 1
    try:
        user = service.set_roles(
            actor, args.username, _roles(args.roles), area=args.area, organisation=args.organisation
        )
    except OcopflowError as exc:
        return _refused(exc)
    print(f"{user.username}: {', '.join(user.roles)}" + (f" · {user.area}" if user.area else ""))
    return 0


def deactivate_user(args: argparse.Namespace) -> int:
    from engine.errors import OcopflowError

    service = _service(args)
    actor = _actor(service, args) if service else None
    if actor is None:
        return 1
    try:
        user = service.deactivate_user(actor, args.username)
    except OcopflowError as exc:
        return _refused(exc)
    print(f"{user.username}: deactivated (signs in no more; API tokens stop working)")
    return 0


def list_users(args: argparse.Namespace) -> int:
    service = _service(args)
    actor = _actor(service, args) if service else None
    if actor is None:
        return 1
    users = service.users(actor)
    if args.format == "json":
        print(json.dumps([{"username": u.username, "roles": list(u.roles), "area": u.area,
                           "organisation": u.organisation, "active": u.active} for u in users], ensure_ascii=False))  # fmt: skip
        return 0
    for u in users:
        state = "" if u.active else "  (deactivated)"
        print(f"{u.username}  {', '.join(u.roles)}" + (f" · {u.area}" if u.area else "") + state)
    return 0


# --- the parsers ---------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, *, acting: bool = True) -> None:
    add_database_options(parser)
    parser.add_argument(
        "--definitions", nargs="*", default=None, help="the shipped folders (default: workflows/ forms/)"
    )
    if acting:
        parser.add_argument(
            "--as", dest="as_user", metavar="USERNAME", help="the administrator who acts (audited)"
        )


def register(subparsers: Any) -> None:
    defs = subparsers.add_parser(
        "definitions", help="install, approve and list definition versions"
    ).add_subparsers(dest="definitions_command", metavar="COMMAND")
    p = defs.add_parser(
        "install", help="install a bundle: folders, .zip archives or files, validated together"
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--effective-from", type=dt.date.fromisoformat, help="a later start than the files' own (YYYY-MM-DD)"
    )
    _common(p)
    p.set_defaults(func=_closing(install))
    p = defs.add_parser("approve", help="approve another administrator's proposal (four eyes)")
    p.add_argument("bundle", help="the bundle's hash (or its first characters)")
    _common(p)
    p.set_defaults(func=_closing(approve))
    p = defs.add_parser("list", help="every stored version with its dates and who proposed and approved it")
    _common(p, acting=False)
    p.set_defaults(func=_closing(list_versions))

    p = subparsers.add_parser("migrate", help="preview or apply a migration plan of open dossiers")
    p.add_argument("plan", metavar="PLAN.yaml")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--preview", action="store_true", help="where every open dossier would land; changes nothing"
    )
    mode.add_argument("--apply", action="store_true", help="move them all, or none, in one audited act")
    _common(p)
    p.set_defaults(func=_closing(migrate))

    users = subparsers.add_parser(
        "users", help="create users, set their roles, deactivate them"
    ).add_subparsers(dest="users_command", metavar="COMMAND")
    p = users.add_parser(
        "create", help="create a user (the first one needs no --as: the first administrator)"
    )
    p.add_argument("username")
    p.add_argument("--roles", required=True, help="comma-separated role ids, e.g. admin")
    p.add_argument("--area", help="province or commune code for area-scoped roles")
    p.add_argument("--organisation")
    p.add_argument("--name", help="display name")
    p.add_argument("--email", help="where notification mails go")
    p.add_argument(
        "--mail-mode", choices=("immediate", "digest"), default="immediate",
        help="one mail per notification (immediate) or one a day (digest)",
    )  # fmt: skip
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    _common(p)
    p.set_defaults(func=_closing(create_user))
    p = users.add_parser("set-roles", help="replace a user's roles (and optionally area, organisation)")
    p.add_argument("username")
    p.add_argument("--roles", required=True)
    p.add_argument("--area")
    p.add_argument("--organisation")
    _common(p)
    p.set_defaults(func=_closing(set_roles))
    p = users.add_parser("deactivate", help="a user signs in no more; their history stays")
    p.add_argument("username")
    _common(p)
    p.set_defaults(func=_closing(deactivate_user))
    p = users.add_parser("list", help="every user with roles and area")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _common(p)
    p.set_defaults(func=_closing(list_users))
