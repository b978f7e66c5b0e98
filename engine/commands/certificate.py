"""`ocopflow certificate verify TEXT`: check a certificate QR's signed token offline.

TEXT is the address a QR code holds (…/c/<number>?s=<token>) or the token itself. The keys are
`--public-key FILE` (a PEM public key, or the /.well-known/ocopflow/keys.json document), else this
instance's certificate key and its retired keys. Offline, revocation is not known: the command
says genuine or not, and valid or expired on `--on` (default: today, UTC).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from engine.checkpoints import key_id
from engine.commands.db import instance_dir
from engine.service.certificates import KEY_FILE, RETIRED_DIR, verify_offline
from engine.service.checkpoints import load_private_key, load_public_key

REASONS = {
    "malformed": "not a certificate token",
    "unknown_key": "signed with a key that is not this installation's",
    "bad_signature": "the signature does not match the content: it was altered",
}


def token_of(text: str) -> str:
    """The token in a scanned address (its `s` parameter), else the text itself."""
    text = text.strip()
    if "?" in text:
        found = parse_qs(urlsplit(text).query).get("s")
        if found:
            return found[0]
    return text


def _keys_from_file(path: Path) -> dict[str, Ed25519PublicKey]:
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        published = json.loads(data)
        keys = [load_public_key(k["public_key_pem"].encode()) for k in published["keys"]]
    else:
        keys = [load_public_key(data)]
    return {key_id(k): k for k in keys}


def _instance_keys(folder: Path) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    retired = folder / RETIRED_DIR
    if retired.is_dir():
        for path in sorted(retired.glob("*.pem")):
            public = load_public_key(path.read_bytes())
            keys[key_id(public)] = public
    private = load_private_key(folder / KEY_FILE)
    if private is not None:
        keys[key_id(private.public_key())] = private.public_key()
    return keys


def verify(args: Any) -> int:
    try:
        keys = _keys_from_file(Path(args.public_key)) if args.public_key else _instance_keys(instance_dir())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: cannot read the public key: {exc}", file=sys.stderr)
        return 2
    if not keys:
        print("error: no certificate key in the instance folder; give --public-key FILE", file=sys.stderr)
        return 2
    on = dt.date.fromisoformat(args.on) if args.on else dt.datetime.now(dt.UTC).date()
    verdict = verify_offline(token_of(args.text), keys, on)
    if not verdict.genuine:
        print(f"NOT GENUINE: {REASONS.get(verdict.reason or '', verdict.reason)}")
        return 1
    c = verdict.claims
    assert c is not None
    print(f"GENUINE, {verdict.status.upper()} on {on.isoformat()} (revocation is checked only online)")
    print(f"number: {c.number}\nproduct: {c.product_code or '-'}\nstars: {c.stars}")
    print(f"issued: {c.issued_on.isoformat()}\nexpires: {c.expires_on.isoformat()}\nkey: {verdict.signer}")
    return 0 if verdict.status == "valid" else 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("certificate", help="signed OCOP certificates")
    sub = parser.add_subparsers(dest="certificate_command", metavar="ACTION", required=True)
    check = sub.add_parser("verify", help="check a QR's signed token offline; exit 0 genuine and valid")
    check.add_argument("text", metavar="TEXT", help="the QR's address or its token")
    check.add_argument("--public-key", metavar="FILE", help="a PEM public key or keys.json")
    check.add_argument("--on", metavar="YYYY-MM-DD", help="the day to check validity on (default: today)")
    check.set_defaults(func=verify)
