"""Signed certificate tokens: genuine, altered, another installation's key, expired, revoked, unknown."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine import certificate_signing as cs
from engine.checkpoints import key_id
from engine.service.certificates import verify_offline


@pytest.fixture
def certified(service, driver, open_dossier):  # type: ignore[no-untyped-def]
    dossier = open_dossier(filed_on=dt.date(2026, 7, 1))
    done = driver.walk(dossier.id, ["certified"], stars=4)
    assert done.certificate is not None
    return done.certificate


def test_a_genuine_token_is_genuine_and_valid(service, certified):  # type: ignore[no-untyped-def]
    token = service.certificate_signing.token(certified)
    verdict = service.certificate_signing.verify(token)
    assert (verdict.genuine, verdict.status, verdict.reason) == (True, "valid", None)
    assert verdict.certificate.number == certified.number and verdict.claims.stars == 4
    assert service.certificate_signing.key_path.stat().st_mode & 0o077 == 0  # the key is private


def test_one_character_altered_is_not_genuine(service, certified):  # type: ignore[no-untyped-def]
    token = service.certificate_signing.token(certified)
    version, signer, payload, signature = token.split(".")
    forged = cs.Claims(certified.number, certified.product_code, 5, certified.issued_on, certified.expires_on)
    five_stars = ".".join((version, signer, cs._b64(forged.as_json()), signature))
    assert service.certificate_signing.verify(five_stars).reason == "bad_signature"
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    verdict = service.certificate_signing.verify(".".join((version, signer, payload, flipped)))
    assert (verdict.genuine, verdict.reason) == (False, "bad_signature")
    assert service.certificate_signing.verify(token[:-3]).genuine is False
    assert service.certificate_signing.verify("not a token").reason == "malformed"


def test_another_installations_key_is_not_genuine(service, certified):  # type: ignore[no-untyped-def]
    claims = cs.Claims(certified.number, certified.product_code, 4, certified.issued_on, certified.expires_on)
    other = cs.sign(Ed25519PrivateKey.generate(), claims)
    verdict = service.certificate_signing.verify(other)
    assert (verdict.genuine, verdict.reason, verdict.certificate) == (False, "unknown_key", None)


def test_a_signed_token_that_differs_from_the_register_is_not_genuine(service, certified):  # type: ignore[no-untyped-def]
    claims = cs.Claims(certified.number, certified.product_code, 5, certified.issued_on, certified.expires_on)
    token = cs.sign(service.certificate_signing.private_key(), claims)  # e.g. a leaked key
    verdict = service.certificate_signing.verify(token)
    assert (verdict.genuine, verdict.reason, verdict.status) == (False, "differs", "valid")


def test_an_expired_certificate_is_genuine_but_expired(service, certified, clock):  # type: ignore[no-untyped-def]
    token = service.certificate_signing.token(certified)
    clock.set(certified.expires_on + dt.timedelta(days=1))
    verdict = service.certificate_signing.verify(token)
    assert (verdict.genuine, verdict.status) == (True, "expired")
    keys = service.certificate_signing.public_keys()
    assert verify_offline(token, keys, certified.expires_on + dt.timedelta(days=1)).status == "expired"
    assert verify_offline(token, keys, certified.issued_on).status == "valid"


def test_a_revoked_certificate_is_genuine_but_revoked(service, driver, certified):  # type: ignore[no-untyped-def]
    token = service.certificate_signing.token(certified)
    driver.walk(certified.dossier_id, ["revoked"], stars=4)
    verdict = service.certificate_signing.verify(token)
    assert (verdict.genuine, verdict.status) == (True, "revoked")


def test_an_unknown_number_is_unknown_and_the_lookup_tolerates_case_and_spaces(service, certified):  # type: ignore[no-untyped-def]
    assert service.certificate_signing.verify(None, "99/2026/OCOP-99999").status == "unknown"
    typed = " " + certified.number.lower().replace("/", " / ") + " "
    assert service.certificate_by_number(typed).number == certified.number
    assert service.certificate_signing.verify(None, typed).status == "valid"
    claims = cs.Claims("99/2026/OCOP-99999", None, 3, certified.issued_on, certified.expires_on)
    ghost = cs.sign(service.certificate_signing.private_key(), claims)
    assert service.certificate_signing.verify(ghost).status == "unknown"


def test_published_keys_carry_ids_and_retired_keys_still_verify(service, certified):  # type: ignore[no-untyped-def]
    from engine.service.checkpoints import public_key_pem

    old = Ed25519PrivateKey.generate()
    retired = service.certificate_signing.key_path.parent / "certificate-public-keys"
    retired.mkdir(parents=True, exist_ok=True)
    (retired / "2025.pem").write_text(public_key_pem(old))
    published = service.certificate_signing.published_keys()
    kids = {k["kid"] for k in published["keys"]}
    assert key_id(old.public_key()) in kids and published["current"] in kids and len(kids) == 2
    claims = cs.Claims(certified.number, certified.product_code, 4, certified.issued_on, certified.expires_on)
    assert service.certificate_signing.verify(cs.sign(old, claims)).genuine is True


def test_the_cli_verifies_offline_with_a_public_key_file(service, certified, tmp_path, capsys):  # type: ignore[no-untyped-def]
    from engine.cli import main
    from engine.service.checkpoints import public_key_pem

    token = service.certificate_signing.token(certified)
    pem = tmp_path / "cert.pem"
    pem.write_text(public_key_pem(service.certificate_signing.private_key()))
    address = f"https://ocop.example.vn/c/{certified.number}?s={token}"
    on = certified.issued_on.isoformat()
    assert main(["certificate", "verify", address, "--public-key", str(pem), "--on", on]) == 0
    assert "GENUINE, VALID" in capsys.readouterr().out
    altered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert main(["certificate", "verify", altered, "--public-key", str(pem)]) == 1
    assert "NOT GENUINE" in capsys.readouterr().out
    other = tmp_path / "other.pem"
    other.write_text(public_key_pem(Ed25519PrivateKey.generate()))
    assert main(["certificate", "verify", token, "--public-key", str(other), "--on", on]) == 1
    assert "not this installation's" in capsys.readouterr().out
