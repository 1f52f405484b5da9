"""Writes for accounts: creating and deleting a member, their sessions, their second step
(authenticator app, backup codes, staff enrolment links), and mail sent after the answer."""

from __future__ import annotations

import logging
import secrets
import threading
from binascii import unhexlify
from dataclasses import dataclass
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.mail import EmailMessage, mailers, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP

from intimacy_app.accounts.models import (
    BACKUP_CODE_DIGITS,
    DEFAULT_TIME_ZONE,
    TOTP_DIGITS,
    TOTP_STEP_SECONDS,
    TOTP_TOLERANCE,
    AuthenticatorApp,
    BackupCode,
    BackupCodes,
    MemberSession,
    StaffEnrolment,
    User,
    backup_code_digests,
    staff_enrolment_digest,
    totp_key_reseal,
    totp_key_seal,
    validate_time_zone,
)
from intimacy_app.crypto import DecryptionError

logger = logging.getLogger(__name__)

TOTP_DEVICE_NAME = "Authenticator app"


@transaction.atomic
def account_create(*, email: str, password: str, time_zone: str = DEFAULT_TIME_ZONE) -> User:
    return User.objects.create_user(email=email, password=password, time_zone=time_zone)


def time_zone_set(*, user: User, time_zone: str) -> User:
    """Show the member's times in `time_zone` from now on (a name validate_time_zone accepts)."""
    validate_time_zone(time_zone)
    user.time_zone = time_zone
    # No need to touch data_version: kept copies of pages are filed under the zone's name too.
    user.save(update_fields=["time_zone"])
    return user


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Remove the member and everything that is theirs.

    Rows that point at the member (sessions in the database, two-step devices, and each app's
    data) go by cascade. Sign-in throttle records only name the address, so they go here.
    """
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username=user.email).delete()
    user.delete()


@transaction.atomic
def sessions_end_elsewhere(*, user: User, keep_session_key: str | None) -> int:
    """End every session of the member except the one named; returns how many rows went.

    A new session salt makes every other session's hash stale, which ends sessions kept in any
    store (Redis included) at their next request; sessions kept in the database are also deleted
    now. The caller re-keys the kept session with `update_session_auth_hash`.
    """
    user.session_salt = secrets.token_hex(32)
    user.save(update_fields=["session_salt"])
    others = MemberSession.objects.filter(user=user)
    if keep_session_key:
        others = others.exclude(session_key=keep_session_key)
    deleted, _ = others.delete()
    return deleted


def two_factor_new_key() -> str:
    """A fresh TOTP secret (hex), kept sealed in the session until the member's app proves it
    has it."""
    return secrets.token_hex(20)


@dataclass(frozen=True)
class TwoFactorEnabled:
    device: AuthenticatorApp
    backup_codes: list[str]  # shown once, never stored in the clear


@transaction.atomic
def two_factor_enable(
    *, user: User, key: str, token: str, enrolment: StaffEnrolment | None = None
) -> TwoFactorEnabled | None:
    """Turn two-step sign-in on if `token` is the current code for `key`; None if it is not,
    or if the staff enrolment link it was set up through has been used or has expired since.

    New backup codes come with it; any earlier app and codes are replaced.
    """
    totp = TOTP(unhexlify(key), step=TOTP_STEP_SECONDS, digits=TOTP_DIGITS)
    try:
        matched = totp.verify(int(token), tolerance=TOTP_TOLERANCE)
    except ValueError:
        matched = False
    if not matched:
        return None
    if enrolment is not None and not _staff_enrolment_spend(enrolment):
        return None
    AuthenticatorApp.objects.filter(user=user).delete()
    # last_t makes the code just used worthless for signing in.
    device = AuthenticatorApp.objects.create(
        user=user,
        name=TOTP_DEVICE_NAME,
        sealed_key=totp_key_seal(key, user_id=user.pk, purpose="device"),
        last_t=totp.t(),
    )
    return TwoFactorEnabled(device=device, backup_codes=backup_codes_renew(user=user))


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    AuthenticatorApp.objects.filter(user=user).delete()
    BackupCodes.objects.filter(user=user).delete()


BACKUP_CODE_COUNT = 10


@transaction.atomic
def backup_codes_renew(*, user: User) -> list[str]:
    """Ten new one-time backup codes for the member, replacing any they had; returned once, for
    showing, and kept only as keyed hashes."""
    device, _ = BackupCodes.objects.get_or_create(user=user, defaults={"name": "Backup codes"})
    device.codes.all().delete()
    device.throttle_reset(commit=True)
    codes = [
        f"{secrets.randbelow(10**BACKUP_CODE_DIGITS):0{BACKUP_CODE_DIGITS}d}"
        for _ in range(BACKUP_CODE_COUNT)
    ]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, digest=backup_code_digests(code)[0]) for code in codes
    )
    half = BACKUP_CODE_DIGITS // 2
    return [f"{code[:half]}-{code[half:]}" for code in codes]


def second_step_check(*, user: User, code: str) -> Device | None:
    """The device that accepts `code` as the member's second step, or None.

    Six digits are a code from their authenticator app; ten are one of their backup codes,
    which this spends. Repeated misses on either slow further tries down.
    """
    device: Device | None
    if len(code) == BACKUP_CODE_DIGITS:
        device = BackupCodes.objects.filter(user=user).first()
    else:
        device = AuthenticatorApp.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    return verify_token(user, device.persistent_id, code)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SecretRotation:
    checked: int
    rotated: int
    unreadable: int


def two_factor_rotate_key() -> SecretRotation:
    """Seal every authenticator app's key again under the current key of the key ring.

    Safe to repeat and to interrupt: each row is written on its own, only if nobody replaced it
    meanwhile. Keys that no configured key opens are left as they are and counted.
    """
    checked = rotated = unreadable = 0
    for app in AuthenticatorApp.objects.only("pk", "user_id", "sealed_key").iterator():
        checked += 1
        try:
            resealed = totp_key_reseal(app.sealed_key, user_id=app.user_id, purpose="device")
        except DecryptionError as error:
            unreadable += 1
            logger.warning("Could not open the key of authenticator app %s: %s", app.pk, error)
            continue
        if resealed is not None:
            rotated += AuthenticatorApp.objects.filter(pk=app.pk, sealed_key=app.sealed_key).update(
                sealed_key=resealed
            )
    return SecretRotation(checked=checked, rotated=rotated, unreadable=unreadable)


STAFF_ENROLMENT_VALID_FOR = timedelta(hours=24)


@transaction.atomic
def staff_enrolment_create(*, user: User, valid_for: timedelta = STAFF_ENROLMENT_VALID_FOR) -> str:
    """A new one-time enrolment token for a staff member; any earlier unused one stops working.

    The token goes into the link (see two_step_views.staff_enrolment); only its hash is stored.
    """
    token = secrets.token_urlsafe(32)
    StaffEnrolment.objects.filter(user=user, used_at__isnull=True).delete()
    StaffEnrolment.objects.create(
        user=user, digest=staff_enrolment_digest(token), expires_at=timezone.now() + valid_for
    )
    return token


def _staff_enrolment_spend(enrolment: StaffEnrolment) -> bool:
    now = timezone.now()
    return bool(
        StaffEnrolment.objects.filter(
            pk=enrolment.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
    )


def staff_enrolment_send(*, user: User, link: str, hours: int) -> None:
    """E-mail a staff member their enrolment link (which works for `hours`)."""
    body = render_to_string("accounts/email/staff_enrolment.txt", {"link": link, "hours": hours})
    send_mail("Set up two-step sign-in for the admin", body, None, [user.email])


def mail_send_later(messages: list[EmailMessage]) -> threading.Thread:
    """Send `messages` on a thread of their own, so the answer to the request that wrote them
    neither waits for the mail server nor takes longer because there was something to send."""
    thread = threading.Thread(target=_send_quietly, args=(messages,), name="mail-later")
    thread.start()
    return thread


def _send_quietly(messages: list[EmailMessage]) -> None:
    try:
        if messages:
            mailers.default.send_messages(messages)
    except Exception:
        logger.exception("Sending %d e-mail message(s) failed", len(messages))
