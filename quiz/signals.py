"""Signal receivers: thin hand-offs to services, never logic of their own."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from intimacy_app.accounts.models import User
from quiz import services


def claim_attempts_on_login(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    """A visitor who signs up or signs in keeps the quiz they took in this browser."""
    if request is not None and hasattr(request, "session"):
        services.attempt_claim(session=request.session, user=user)
