"""Reads for accounts."""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from intimacy_app.accounts.models import (
    TOTP_DIGITS,
    TOTP_STEP_SECONDS,
    AuthenticatorApp,
    BackupCode,
    StaffEnrolment,
    User,
    staff_enrolment_digest,
)


def two_factor_device(*, user: User) -> AuthenticatorApp | None:
    """The member's confirmed authenticator app, if they turned two-step sign-in on."""
    return AuthenticatorApp.objects.devices_for_user(user, confirmed=True).first()


def backup_codes_left(*, user: User) -> int:
    """How many of the member's backup codes are still unused."""
    return BackupCode.objects.filter(device__user=user).count()


def staff_enrolment_for_link(*, user: User, token: str) -> StaffEnrolment | None:
    """The member's unused, unexpired enrolment that `token` (from the link) opens."""
    return _live_enrolments(user).filter(digest=staff_enrolment_digest(token)).first()


def staff_enrolment_open(*, user: User, enrolment_id: object) -> StaffEnrolment | None:
    """The member's enrolment with this id, if it is still unused and unexpired."""
    if not isinstance(enrolment_id, int):
        return None
    return _live_enrolments(user).filter(pk=enrolment_id).first()


def _live_enrolments(user: User) -> QuerySet[StaffEnrolment]:
    return StaffEnrolment.objects.filter(
        user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    )


@dataclass(frozen=True)
class Provisioning:
    """What an authenticator app needs: a QR code to scan, or the secret to type."""

    qr_data_uri: str
    size: int
    secret: str


def two_factor_provisioning(*, user: User, key: str) -> Provisioning:
    secret = b32encode(unhexlify(key)).decode()
    qr = segno.make(_otpauth_url(user=user, secret=secret), error="m")
    return Provisioning(
        # Dark on white whatever the page's colour scheme, or phones cannot read it.
        qr_data_uri=qr.svg_data_uri(scale=5, border=2, dark="#000", light="#fff"),
        size=int(qr.symbol_size(scale=5, border=2)[0]),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )


def _otpauth_url(*, user: User, secret: str) -> str:
    """The key URI authenticator apps read from a QR code (Google's "Key Uri Format")."""
    issuer = str(settings.OTP_TOTP_ISSUER).replace(":", "")
    label = quote(f"{issuer}:{user.email}")
    query = urlencode(
        {
            "secret": secret.rstrip("="),
            "algorithm": "SHA1",
            "digits": TOTP_DIGITS,
            "period": TOTP_STEP_SECONDS,
            "issuer": issuer,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
