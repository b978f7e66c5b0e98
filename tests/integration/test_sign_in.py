from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.permissions import Actor
from engine.service import accounts


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every password check, so a test can see the work a sign-in does."""
    seen: list[str] = []
    real = accounts.check_password

    def counting(password: str, stored: str) -> bool:
        seen.append(stored)
        return real(password, stored)

    monkeypatch.setattr(accounts, "check_password", counting)
    return seen


def test_the_right_password_signs_in(service, make_actor: Callable[..., Actor]) -> None:  # type: ignore[no-untyped-def]
    make_actor("commune1", ["commune_officer"], area="25708")
    actor = service.authenticate("commune1", "demo")
    assert actor is not None and actor.id == "commune1"


@pytest.mark.parametrize(
    ("username", "password"),
    [("commune1", "wrong"), ("nobody-by-this-name", "demo"), ("nobody-by-this-name", "wrong")],
)
def test_a_failed_sign_in_does_the_same_password_work_whether_or_not_the_user_exists(
    service,  # type: ignore[no-untyped-def]
    make_actor: Callable[..., Actor],
    password_checks: list[str],
    username: str,
    password: str,
) -> None:
    make_actor("commune1", ["commune_officer"], area="25708")
    password_checks.clear()
    assert service.authenticate(username, password) is None
    assert len(password_checks) == 1
    assert password_checks[0].startswith("scrypt:")  # Werkzeug's scrypt format


def test_a_token_resolves_to_the_user_as_stored_now(service, admin, make_actor) -> None:  # type: ignore[no-untyped-def]
    """The token look-up (a prepared statement) reads roles, area and activity on every call."""
    officer = make_actor("commune1", ["commune_officer"], area="25708", organisation="UBND xã")
    token = service.issue_api_token(officer)
    assert service.actor_for_token(token) == officer
    assert service.actor_for_token(token + "x") is None
    assert service.actor_for_token("") is None

    service.set_roles(admin, "commune1", ["commune_officer", "auditor"], area="25516")
    moved = service.actor_for_token(token)
    assert moved is not None
    assert moved.roles == frozenset({"commune_officer", "auditor"}) and moved.area == "25516"

    service.set_roles(admin, "commune1", ["commune_officer"], active=False)
    assert service.actor_for_token(token) is None


def test_outside_the_test_suite_passwords_are_hashed_with_scrypt_at_werkzeugs_default_cost() -> None:
    """The suite lowers the cost in tests/conftest.py; a fresh interpreter shows what production uses."""
    import subprocess
    import sys

    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from engine.service import accounts; print(accounts.hash_password('x' * 12))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown.startswith("scrypt:32768:8:1$"), shown
