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
    assert password_checks[0].startswith("scrypt$")
