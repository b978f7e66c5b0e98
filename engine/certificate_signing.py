"""Signed certificate tokens: what a certificate's QR code carries, and their check. No IO.

A token is four dot-separated parts, `c1.<key id>.<payload>.<signature>`: the version, the
signer's key id (`engine.checkpoints.key_id`, 16 hex digits), the base64url (unpadded) canonical
JSON of the certificate's number, product code, stars, issue and expiry dates, and the base64url
Ed25519 signature of a fixed prefix followed by the key id, a newline and that JSON. Anyone with
the published public keys (/.well-known/ocopflow/keys.json) can check a token offline; whether a
genuine certificate was revoked since is known only to the installation (docs/certificates.md).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from engine.checkpoints import key_id

VERSION = "c1"
DOMAIN = b"ocopflow-certificate-v1\n"
MAX_TOKEN = 1000
_KEY_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True, slots=True)
class Claims:
    """What a token asserts about a certificate."""

    number: str
    product_code: str | None
    stars: int
    issued_on: dt.date
    expires_on: dt.date

    def as_json(self) -> bytes:
        body = {
            "n": self.number,
            "p": self.product_code,
            "s": self.stars,
            "i": self.issued_on.isoformat(),
            "e": self.expires_on.isoformat(),
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class Checked:
    """A token's check: `problem` is None when a known key signed exactly these claims."""

    claims: Claims | None
    signer: str | None
    problem: str | None  # malformed | unknown_key | bad_signature


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signed(signer: str, payload: bytes) -> bytes:
    return DOMAIN + signer.encode() + b"\n" + payload


def sign(private_key: Ed25519PrivateKey, claims: Claims) -> str:
    signer = key_id(private_key.public_key())
    payload = claims.as_json()
    signature = private_key.sign(_signed(signer, payload))
    return ".".join((VERSION, signer, _b64(payload), _b64(signature)))


def _claims(payload: bytes) -> Claims:
    data = json.loads(payload.decode())
    if not isinstance(data, dict) or set(data) != {"n", "p", "s", "i", "e"}:
        raise ValueError("unexpected fields")
    number, product, stars = data["n"], data["p"], data["s"]
    if not isinstance(number, str) or not (product is None or isinstance(product, str)):
        raise ValueError("bad text")
    if not isinstance(stars, int) or isinstance(stars, bool):
        raise ValueError("bad stars")
    return Claims(number, product, stars, dt.date.fromisoformat(data["i"]), dt.date.fromisoformat(data["e"]))


def check(token: str, public_keys: Mapping[str, Ed25519PublicKey]) -> Checked:
    """Check `token` against the keys by key id; a token from another installation is unknown_key."""
    token = "".join(token.split())
    parts = token.split(".")
    if len(token) > MAX_TOKEN or len(parts) != 4 or parts[0] != VERSION or not _KEY_ID.fullmatch(parts[1]):
        return Checked(None, None, "malformed")
    _, signer, payload_text, signature_text = parts
    try:
        payload = _unb64(payload_text)
        signature = _unb64(signature_text)
        claims = _claims(payload)
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        return Checked(None, signer, "malformed")
    key = public_keys.get(signer)
    if key is None:
        return Checked(claims, signer, "unknown_key")
    try:
        key.verify(signature, _signed(signer, payload))
    except InvalidSignature:
        return Checked(claims, signer, "bad_signature")
    return Checked(claims, signer, None)


def normalize_number(text: str) -> str:
    """A certificate number as typed or read aloud: spaces dropped, case folded to upper."""
    return "".join(text.split()).upper()
