"""`ocopflow audit …`: verify the hash chain, sign checkpoints of its head, export them, and
check that the dossiers still say what their events say.

verify        walk the chain; exit 1 naming the first broken event (also against `--checkpoints FILE`)
checkpoint    verify, then sign the head with the instance's key (on demand, or from cron / a worker)
checkpoints   `export FILE`: the signed checkpoints, JSON lines, for an auditor to keep elsewhere
public-key    print the public key that verifies the checkpoints (PEM)
consistency   replay every dossier's events against its state, stars, certificates and evidence
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from engine.commands.db import add_database_options, instance_dir, open_database


def _key_file(args: argparse.Namespace) -> Path:
    from engine.service.checkpoints import key_path

    return Path(args.key) if getattr(args, "key", None) else key_path(instance_dir())


def _public_key(args: argparse.Namespace) -> Any:
    """The auditor's `--public-key FILE`, else the instance key's public half (None: no key yet)."""
    from engine.service.checkpoints import load_private_key, load_public_key

    if getattr(args, "public_key", None):
        return load_public_key(Path(args.public_key).read_bytes())
    key = load_private_key(_key_file(args))
    return None if key is None else key.public_key()


def _run(args: argparse.Namespace, work: Any) -> Any:
    """`work(database)` on the configured database; a database error prints and returns None."""
    from sqlalchemy.exc import SQLAlchemyError

    database = None
    try:
        database = open_database(args, upgrade=False)
        return work(database)
    except SQLAlchemyError as exc:
        print(f"cannot read the audit log: {exc.__class__.__name__}", file=sys.stderr)
        return None
    finally:
        if database is not None:
            database.engine.dispose()


def verify(args: argparse.Namespace) -> int:
    from engine.checkpoints import CheckpointFileError, parse_lines
    from engine.service.queries import verify_chain

    kept = []
    try:
        public_key = _public_key(args)
        if args.checkpoints:
            with open(args.checkpoints, encoding="utf-8") as lines:
                kept = parse_lines(lines, args.checkpoints)
    except (OSError, ValueError, CheckpointFileError) as exc:
        print(f"cannot read the checkpoints or the key: {exc}", file=sys.stderr)
        return 1
    if kept and public_key is None:
        print("no key to check the checkpoints' signatures: give --public-key FILE", file=sys.stderr)
        return 1
    result = _run(args, lambda db: verify_chain(db.transaction, public_key=public_key, kept=kept))
    if result is None:
        return 1
    if args.format == "json":
        report = {"ok": result.ok, "events": result.events, "first_broken": result.first_broken,
                  "problem": result.problem, "checkpoints": result.checkpoints}  # fmt: skip
        print(json.dumps(report, ensure_ascii=False))
    elif result.ok:
        print(f"audit chain intact: {result.events} events, {result.checkpoints} signed checkpoints reached")
    else:
        print(f"audit chain BROKEN at event {result.first_broken}: {result.problem}", file=sys.stderr)
        print(f"{result.events} events verified before it", file=sys.stderr)
    return 0 if result.ok else 1


def checkpoint(args: argparse.Namespace) -> int:
    from engine.service.checkpoints import load_private_key, write_checkpoint

    key = load_private_key(_key_file(args), create=True)
    assert key is not None
    written = _run(args, lambda db: write_checkpoint(db.transaction, key, dt.datetime.now(dt.UTC)))
    if written is None:
        return 1
    if written.checkpoint is not None:
        c = written.checkpoint
        print(f"checkpoint signed: event {c.seq}, head {c.head_hash[:16]}…, {c.at}, key {c.key_id}")
        return 0
    if written.unchanged:
        if not args.quiet:
            print(f"the head has not moved since the last checkpoint (event {written.verified.events})")
        return 0
    v = written.verified
    print(f"NOT signed: the audit chain is broken at event {v.first_broken}: {v.problem}", file=sys.stderr)
    return 1


def export(args: argparse.Namespace) -> int:
    from engine.service.checkpoints import stored_checkpoints

    found = _run(args, lambda db: stored_checkpoints(db.transaction))
    if found is None:
        return 1
    text = "".join(c.to_line() + "\n" for c in found)
    if args.file == "-":
        sys.stdout.write(text)
    else:
        Path(args.file).write_text(text, encoding="utf-8")
        print(f"{len(found)} checkpoints written to {args.file}")
    return 0


def public_key(args: argparse.Namespace) -> int:
    from engine.service.checkpoints import load_private_key, public_key_pem

    key = load_private_key(_key_file(args), create=True)
    assert key is not None
    sys.stdout.write(public_key_pem(key))
    return 0


def consistency(args: argparse.Namespace) -> int:
    from engine.service.consistency import check_consistency

    evidence = Path(args.evidence_dir) if args.evidence_dir else instance_dir() / "evidence"
    report = _run(args, lambda db: check_consistency(db.transaction, evidence))
    if report is None:
        return 1
    if args.format == "json":
        print(json.dumps({"ok": report.ok, "dossiers": report.dossiers, "records": report.records,
                          "differences": [d.as_dict() for d in report.differences]}, ensure_ascii=False))  # fmt: skip
    elif report.ok:
        print(
            f"consistent: {report.dossiers} dossiers and {report.records} records say what their events say"
        )
    else:
        for d in report.differences:
            print(d.text("en"), file=sys.stderr)
        print(f"{len(report.differences)} differences in {report.dossiers} dossiers and {report.records} records",
              file=sys.stderr)  # fmt: skip
    return 0 if report.ok else 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="the tamper-evident audit log")
    sub = parser.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    key_help = "the signing key (default: <instance>/audit-signing-key.pem)"

    check = sub.add_parser("verify", help="check every event's hash; exit 1 naming the first broken one")
    add_database_options(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--checkpoints", metavar="FILE", help="exported checkpoints the chain must still reach"
    )
    check.add_argument("--public-key", metavar="FILE", help="PEM public key of the checkpoints' signer")
    check.add_argument("--key", metavar="FILE", help=key_help)
    check.set_defaults(func=verify)

    sign = sub.add_parser("checkpoint", help="verify the chain, then sign its head (run it from cron)")
    add_database_options(sign)
    sign.add_argument("--key", metavar="FILE", help=key_help)
    sign.add_argument("--quiet", action="store_true", help="print nothing when the head has not moved")
    sign.set_defaults(func=checkpoint)

    stored = sub.add_parser("checkpoints", help="the signed checkpoints")
    stored_sub = stored.add_subparsers(dest="checkpoints_command", metavar="COMMAND", required=True)
    out = stored_sub.add_parser("export", help="write every checkpoint as JSON lines to FILE ('-': stdout)")
    add_database_options(out)
    out.add_argument("file", metavar="FILE")
    out.set_defaults(func=export)

    pub = sub.add_parser("public-key", help="print the checkpoints' public key (PEM)")
    pub.add_argument("--key", metavar="FILE", help=key_help)
    pub.set_defaults(func=public_key)

    same = sub.add_parser("consistency", help="replay events against every dossier; exit 1 on a difference")
    add_database_options(same)
    same.add_argument("--evidence-dir", metavar="DIR", help="default: <instance>/evidence")
    same.add_argument("--format", choices=("text", "json"), default="text")
    same.set_defaults(func=consistency)
