"""An optional second factor for the people who hold the keys: time-based one-time codes
(TOTP, RFC 6238, through pyotp) for anyone whose roles grant `administer` or `audit`.

Enrolment writes a pending secret (kept until it is confirmed, so a reload shows the same
one) and turns on only once the person sends a code of it;
each code is good once (the last time step used is kept, OWASP ASVS 2.8.4), one step of
clock drift either way is accepted. An administrator's password reset turns the factor off
(the usual recovery when a phone is lost); turning it off oneself needs a current code.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

import pyotp

from engine.errors import Conflict, InvalidForm, PermissionDenied
from engine.messages import say
from engine.permissions import Actor, may
from engine.service.credentials import CredentialUseCases, actor_from_row
from engine.storage.repository import Repository, Row

ISSUER = "ocopflow"
SECOND_FACTOR_PERMISSIONS = ("administer", "audit")


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str  # base32, for typing into an authenticator app
    uri: str  # otpauth:// for the QR code


class TotpUseCases(CredentialUseCases):
    def totp_eligible(self, actor: Actor) -> bool:
        return any(
            may(actor, permission, roleset, None)
            for permission in SECOND_FACTOR_PERMISSIONS
            for roleset in self.catalog.roles.values()
        )

    def totp_enabled(self, actor: Actor) -> bool:
        with self._tx(write=False) as repo:
            row = repo.user_by_username(actor.id)
        return row is not None and bool(row["totp_enabled"])

    def begin_totp(self, actor: Actor) -> TotpEnrolment:
        if not self.totp_eligible(actor):
            raise PermissionDenied(say("totp.not_eligible"), reason="role")
        with self._tx() as repo:
            row = self._active_row(repo, actor)
            if row["totp_enabled"]:
                raise Conflict(say("totp.already_enabled"))
            # a pending secret is kept, so reloading the page does not break an app already set up
            secret = row["totp_secret"] or pyotp.random_base32()
            if secret != row["totp_secret"]:
                repo.update_user(row["id"], totp_secret=secret, totp_last_step=None)
        uri = pyotp.TOTP(secret).provisioning_uri(name=actor.id, issuer_name=ISSUER)
        return TotpEnrolment(secret, uri)

    def confirm_totp(self, actor: Actor, code: str) -> None:
        """Turn the factor on with a first code of the pending secret."""
        with self._tx() as repo:
            row = self._active_row(repo, actor)
            if row["totp_enabled"] or not row["totp_secret"]:
                raise Conflict(say("totp.not_pending"))
            step = self._matching_step(row, code)
            if step is None:
                raise InvalidForm(say("totp.wrong_code"), {"code": say("totp.wrong_code")})
            repo.update_user(row["id"], totp_enabled=True, totp_last_step=step)
            repo.append_event(at=self.now(), actor=actor.id, action="enable_totp", payload={"user": actor.id})

    def disable_totp(self, actor: Actor, code: str) -> None:
        with self._tx() as repo:
            row = self._active_row(repo, actor)
            if not row["totp_enabled"]:
                raise Conflict(say("totp.not_pending"))
            if self._matching_step(row, code) is None:
                raise InvalidForm(say("totp.wrong_code"), {"code": say("totp.wrong_code")})
            repo.update_user(row["id"], totp_enabled=False, totp_secret=None, totp_last_step=None)
            repo.append_event(
                at=self.now(), actor=actor.id, action="disable_totp", payload={"user": actor.id}
            )

    def verify_totp(self, username: str, code: str) -> Actor | None:
        """The second step of a sign-in: the actor when the code is right and unused, else None."""
        with self._tx() as repo:
            row = repo.user_by_username(username)
            if row is None or not row["active"] or not row["totp_enabled"]:
                return None
            step = self._matching_step(row, code)
            if step is None:
                return None
            repo.update_user(row["id"], totp_last_step=step)
        return actor_from_row(row)

    def _active_row(self, repo: Repository, actor: Actor) -> Row:
        row = repo.user_by_username(actor.id)
        if row is None or not row["active"]:
            raise PermissionDenied(say("access.signed_out"), reason="role")
        return row

    def _matching_step(self, row: Row, code: str) -> int | None:
        """The time step whose code this is (now, or one step either side), if not used before."""
        code = code.strip().replace(" ", "")
        if not row["totp_secret"] or len(code) != 6 or not code.isdigit():
            return None
        totp = pyotp.TOTP(row["totp_secret"])
        now = int(self.now().replace(tzinfo=dt.UTC).timestamp())
        last = row["totp_last_step"] or -1
        for offset in (0, -1, 1):
            moment = now + offset * totp.interval
            step = int(totp.timecode(dt.datetime.fromtimestamp(moment, dt.UTC)))
            if step > last and hmac.compare_digest(totp.at(moment), code):
                return step
        return None
