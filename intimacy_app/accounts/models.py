"""A member is known by an e-mail address only: no username, no real name asked."""

from __future__ import annotations

import functools
import hashlib
import logging
import zoneinfo
from binascii import unhexlify
from collections.abc import Iterator
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from intimacy_app.crypto import DecryptionError, Keyring, parse_keyring


class MemberManager(BaseUserManager["User"]):
    """Creates users keyed by e-mail instead of username."""

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


# Until the member's browser says otherwise (sign-up without JavaScript), times are shown in UTC.
DEFAULT_TIME_ZONE = "UTC"


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted; the list cannot change while the
    process runs, and reading it walks the zone files."""
    return tuple(sorted(zoneinfo.available_timezones()))


def validate_time_zone(name: str) -> None:
    """A time zone is an IANA name such as "Europe/Berlin" that zoneinfo can load."""
    if name not in time_zone_names():
        raise ValidationError(
            "%(name)s is not a time zone we know. Choose one from the list, such as "
            "Europe/Berlin or America/New_York.",
            code="invalid_time_zone",
            params={"name": name[:64]},
        )


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp devices
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    # Mixed into the session hash: a new salt ends every session at once, wherever sessions are
    # kept (database or Redis). See services.sessions_end_elsewhere.
    session_salt = models.CharField(max_length=64, blank=True, default="", editable=False)
    # One more after every write to the member's journal or quiz: their rendered pages are cached
    # under it (accounts.member_cache), and since it is read with the member on every request,
    # every worker sees a write at once.
    data_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Every time the member is shown (journal, insights, exports) is in this zone, activated per
    # request by accounts.middleware, so a time reads the same on every visit and every device.
    time_zone = models.CharField(
        "time zone",
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text="An IANA name such as Europe/Berlin.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = MemberManager()  # type: ignore[misc,assignment]

    def __str__(self) -> str:
        return self.email

    def get_session_auth_hash(self) -> str:
        return self._member_session_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._member_session_hash(secret=fallback_secret)

    def _member_session_hash(self, *, secret: str | bytes | None) -> str:
        return salted_hmac(
            "intimacy_app.accounts.User.session_auth_hash",
            f"{self.password}:{self.session_salt}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class MemberSession(AbstractBaseSession):
    """A session kept in the database that knows whose it is, so it can be ended on purpose.

    No database-level foreign key: a request still in flight when its member is deleted must not
    fail on saving its session; the ORM still deletes these rows with the member.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="sessions",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = "session"
        verbose_name_plural = "sessions"


logger = logging.getLogger(__name__)

# --- Two-step sign-in ------------------------------------------------------------------------
# Our own django-otp devices, so that no secret is ever in a row in the clear: the authenticator
# app's key is sealed with the journal's key ring (intimacy_app.crypto), bound to its owner, and
# backup codes are kept as keyed hashes. django-otp finds them as it finds its own plugins.

TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
TOTP_TOLERANCE = 1  # steps either side: a phone's clock a little off still works
# Digits only, so one numeric field takes either kind of code. Ten digits (about 2**33) are out of
# reach of guessing online with django-otp's throttling, and being hashed with a key, a copy of
# the table does not give them away.
BACKUP_CODE_DIGITS = 10


def _keyring() -> Keyring:
    return parse_keyring(str(settings.JOURNAL_ENCRYPTION_KEYS))


def totp_key_seal(key: str, *, user_id: int, purpose: str) -> str:
    """`key` (hex) sealed under the current key, readable only for this member and purpose
    ("device" in the device row, "pending" in the session while it is being set up)."""
    return _keyring().encrypt(key, aad=_totp_aad(user_id, purpose))


def totp_key_open(sealed: str, *, user_id: int, purpose: str) -> str:
    """The hex key sealed by `totp_key_seal`; DecryptionError if it is not this member's."""
    return _keyring().decrypt(sealed, aad=_totp_aad(user_id, purpose))


def totp_key_reseal(sealed: str, *, user_id: int, purpose: str) -> str | None:
    """`sealed` sealed again under the current key; None if it already is (rotation skips it)."""
    keyring = _keyring()
    if keyring.is_current(sealed):
        return None
    return keyring.reencrypt(sealed, aad=_totp_aad(user_id, purpose))


def _totp_aad(user_id: int, purpose: str) -> bytes:
    return f"accounts.totp:{user_id}:{purpose}".encode()


class AuthenticatorApp(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP, 30 s, six digits) whose key is stored only sealed."""

    sealed_key = models.TextField(editable=False)
    # The time step of the last code accepted: only a later one is accepted next.
    last_t = models.BigIntegerField(default=-1, editable=False)

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    def totp(self) -> TOTP:
        key = totp_key_open(self.sealed_key, user_id=self.user_id, purpose="device")
        return TOTP(unhexlify(key), step=TOTP_STEP_SECONDS, digits=TOTP_DIGITS)

    def get_throttle_factor(self) -> int:
        return 1  # seconds after the first miss, doubling with each further one

    def verify_token(self, token: Any) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        try:
            totp = self.totp()
        except DecryptionError as error:
            # Moved from another member's row, or sealed under a key no longer configured.
            logger.warning("Could not open the key of authenticator app %s: %s", self.pk, error)
            return False
        try:
            verified = bool(totp.verify(int(token), TOTP_TOLERANCE, self.last_t + 1))
        except ValueError:
            verified = False
        if verified:
            self.last_t = totp.t()
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return verified


class BackupCodes(ThrottlingMixin, Device):
    """A member's one-time backup codes, for signing in without their phone."""

    class Meta(Device.Meta):
        verbose_name = "backup codes"
        verbose_name_plural = "backup codes"

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: Any) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        # Deleting the row is what spends the code: two requests racing with the same code
        # cannot both delete it.
        deleted, _ = self.codes.filter(digest__in=backup_code_digests(str(token))).delete()
        if deleted:
            self.throttle_reset(commit=True)
        else:
            self.throttle_increment(commit=True)
        return bool(deleted)


def backup_code_normalise(code: str) -> str:
    """A backup code as hashed: without the spaces and dashes people type."""
    return "".join(code.split()).replace("-", "")


def backup_code_digests(code: str) -> list[str]:
    """The keyed hashes `code` may be stored under: one per secret key still accepted.

    The hash is keyed with SECRET_KEY, so a copy of the table alone does not give the codes
    away; SECRET_KEY_FALLBACKS keep codes working through a key rotation.
    """
    value = backup_code_normalise(code)
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [
        salted_hmac(BACKUP_CODE_SALT, value, secret=secret, algorithm="sha256").hexdigest()
        for secret in secrets
    ]


BACKUP_CODE_SALT = "intimacy_app.accounts.BackupCode"


class BackupCode(models.Model):
    """One unused backup code, as a keyed hash; using it deletes the row."""

    device = models.ForeignKey(BackupCodes, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="backup_code_unique")
        ]

    def __str__(self) -> str:
        return "a backup code"


def staff_enrolment_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffEnrolment(models.Model):
    """A one-time link that lets a staff member set up two-step sign-in.

    Only the SHA-256 of the link's token is kept: the token is 256 random bits, so a copy of
    the table cannot be turned back into a link.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_enrolments")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"two-step enrolment for {self.user}"
