"""Deploy checks for accounts: the support address people are told to write to."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def support_email_is_set(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """A member who lost their phone is told to write to SUPPORT_EMAIL; it must reach someone."""
    address = str(settings.SUPPORT_EMAIL)
    if "@" in address and not address.endswith("@localhost"):
        return []
    return [
        Warning(
            "SUPPORT_EMAIL is not set to a real address.",
            hint="Set SUPPORT_EMAIL to the address members write to when they are locked out.",
            id="accounts.W001",
        )
    ]
