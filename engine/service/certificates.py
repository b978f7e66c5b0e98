"""Signed certificates: the signing key on disk, the token a certificate's QR carries, and the
verdict on a scanned or typed token or number (genuine, valid, expired, revoked, unknown).

The Ed25519 key is a file in the instance folder beside the audit key (created on first use,
mode 0600), never in the database. Keys retired by a rotation stay checkable: their public PEM
files go in `certificate-public-keys/` in the instance folder and are published with the current
one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from engine import certificate_signing as cs
from engine.checkpoints import key_id
from engine.service.base import certificate_snapshot
from engine.service.checkpoints import load_private_key, load_public_key, public_key_pem
from engine.service.snapshots import CertificateSnapshot

if TYPE_CHECKING:
    from engine.service.base import ServiceBase

KEY_FILE = "certificate-signing-key.pem"
RETIRED_DIR = "certificate-public-keys"


@dataclass(frozen=True)
class Verdict:
    """What the public page and `ocopflow certificate verify` say.

    `genuine` is True when a published key signed the token's claims and they match the
    register, None when only a number was given (nothing signed to check). `status` is the
    certificate's state in the register (valid, expired, revoked, superseded) or "unknown".
    `reason` names why a token is not genuine: malformed, unknown_key, bad_signature, differs.
    """

    genuine: bool | None
    status: str
    reason: str | None
    certificate: CertificateSnapshot | None
    claims: cs.Claims | None
    signer: str | None


class CertificateUseCases:
    def __init__(self, base: ServiceBase) -> None:
        self.base = base

    @property
    def key_path(self) -> Path:
        return self.base.signing_key.parent / KEY_FILE

    def private_key(self) -> Ed25519PrivateKey:
        key = load_private_key(self.key_path, create=True)
        assert key is not None  # created when missing
        return key

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """Every key a genuine token may be signed with, by key id: the current and retired ones."""
        keys: dict[str, Ed25519PublicKey] = {}
        retired = self.base.signing_key.parent / RETIRED_DIR
        if retired.is_dir():
            for path in sorted(retired.glob("*.pem")):
                public = load_public_key(path.read_bytes())
                keys[key_id(public)] = public
        current = self.private_key().public_key()
        keys[key_id(current)] = current
        return keys

    def published_keys(self) -> dict[str, object]:
        """The document at /.well-known/ocopflow/keys.json."""
        current = key_id(self.private_key().public_key())
        return {
            "purpose": "ocopflow-certificate-v1",
            "current": current,
            "keys": [
                {
                    "kid": kid,
                    "alg": "Ed25519",
                    "public_key_pem": public_key_pem(key),
                    "current": kid == current,
                }
                for kid, key in self.public_keys().items()
            ],
        }

    def token(self, certificate: CertificateSnapshot) -> str:
        claims = cs.Claims(
            certificate.number,
            certificate.product_code,
            certificate.stars,
            certificate.issued_on,
            certificate.expires_on,
        )
        return cs.sign(self.private_key(), claims)

    def _lookup(self, number: str) -> CertificateSnapshot | None:
        with self.base._tx(write=False) as repo:
            row = repo.certificate_by_number(number) or repo.certificate_by_typed_number(
                cs.normalize_number(number)
            )
        return certificate_snapshot(row, self.base.now().date()) if row else None

    def verify(self, token: str | None, number: str | None = None) -> Verdict:
        """The verdict on a token (from the QR), or on a number alone when no token is given."""
        if not token:
            found = self._lookup(number or "") if number else None
            return Verdict(None, found.status if found else "unknown", None, found, None, None)
        checked = cs.check(token, self.public_keys())
        if checked.problem is not None:
            return Verdict(False, "unknown", checked.problem, None, checked.claims, checked.signer)
        claims = checked.claims
        assert claims is not None
        found = self._lookup(claims.number)
        if found is None:
            return Verdict(True, "unknown", None, None, claims, checked.signer)
        same = (found.number, found.product_code, found.stars, found.issued_on, found.expires_on) == (
            claims.number,
            claims.product_code,
            claims.stars,
            claims.issued_on,
            claims.expires_on,
        )
        if not same:
            return Verdict(False, found.status, "differs", found, claims, checked.signer)
        return Verdict(True, found.status, None, found, claims, checked.signer)


def verify_offline(token: str, public_keys: dict[str, Ed25519PublicKey], today: dt.date) -> Verdict:
    """Without the database: the signature, and expiry against `today` (revocation is not known)."""
    checked = cs.check(token, public_keys)
    if checked.problem is not None:
        return Verdict(False, "unknown", checked.problem, None, checked.claims, checked.signer)
    claims = checked.claims
    assert claims is not None
    status = "expired" if claims.expires_on < today else "valid"
    return Verdict(True, status, None, None, claims, checked.signer)
