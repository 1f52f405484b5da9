"""Reads for accounts."""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from intimacy_app.accounts.models import User
from journal import selectors as journal_selectors
from journal import transfer
from quiz.models import Attempt
from quiz.selectors import attempts as quiz_attempts


def two_factor_device(*, user: User) -> TOTPDevice | None:
    """The member's confirmed authenticator app, if they turned two-step sign-in on."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


@dataclass(frozen=True)
class Provisioning:
    """What an authenticator app needs: a QR code to scan, or the secret to type."""

    qr_data_uri: str
    size: int
    secret: str


def two_factor_provisioning(*, user: User, key: str) -> Provisioning:
    qr = segno.make(TOTPDevice(user=user, key=key).config_url, error="m")
    secret = b32encode(unhexlify(key)).decode()
    return Provisioning(
        # Dark on white whatever the page's colour scheme, or phones cannot read it.
        qr_data_uri=qr.svg_data_uri(scale=5, border=2, dark="#000", light="#fff"),
        size=int(qr.symbol_size(scale=5, border=2)[0]),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )


EXPORT_FORMAT = "stay-in-the-room/account"
EXPORT_VERSION = 1


def account_export(*, user: User, exported_at: datetime) -> dict[str, Any]:
    """Everything the account holds, as one document: the profile, every quiz attempt with its
    answers and stored scores, and the journal in the journal's own export format.

    Never the password hash or the two-step secret: only whether two-step sign-in is on.
    """
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at.isoformat(),
        "profile": {
            "email": user.email,
            "joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "two_step_sign_in": two_factor_device(user=user) is not None,
        },
        "quiz_attempts": [
            _attempt_to_dict(attempt) for attempt in quiz_attempts.attempts_for_export(user=user)
        ],
        "journal": transfer.export_document(
            journal_selectors.entries_for_export(user=user), exported_at=exported_at
        ),
    }


def _attempt_to_dict(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": str(attempt.pk),
        "quiz": attempt.version.instrument.name,
        "version": attempt.version.number,
        "focus": attempt.focus,
        "started_at": attempt.started_at.isoformat(),
        "completed_at": attempt.completed_at.isoformat() if attempt.completed_at else None,
        "answers": [
            {"statement": answer.item.text, "value": answer.value}
            for answer in attempt.answers.all()
        ],
        "scores": [
            {
                "pattern": score.pattern_slug,
                "name": score.pattern_name,
                "rank": score.rank,
                "score": score.score,
                "band": score.band,
            }
            for score in attempt.scores.all()
        ],
    }
