"""A member is known by an e-mail address only: no username, no real name asked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.crypto import salted_hmac


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


class User(AbstractUser):
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
