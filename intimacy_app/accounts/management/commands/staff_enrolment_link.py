"""Make (and optionally e-mail) a one-time link through which a staff member sets up two-step
sign-in, the only way a staff account can."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from intimacy_app.accounts import services
from intimacy_app.accounts.models import User

LOCAL_BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Make a one-time link through which the staff member with this e-mail address sets up "
        "two-step sign-in (they open it signed in as themselves). Any earlier unused link for "
        "them stops working. Prints the link; with --send, also e-mails it to them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The staff member's e-mail address.")
        parser.add_argument(
            "--base-url",
            default="",
            help=f"The site's address, e.g. https://example.org (in debug: {LOCAL_BASE_URL}).",
        )
        parser.add_argument(
            "--hours", type=int, default=24, help="How long the link works (default 24)."
        )
        parser.add_argument("--send", action="store_true", help="E-mail the link to them too.")

    def handle(
        self, *args: Any, email: str, base_url: str, hours: int, send: bool, **options: Any
    ) -> None:
        if not 1 <= hours <= 24 * 7:
            raise CommandError("--hours must be between 1 and 168.")
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None or not user.is_active or not user.is_staff:
            raise CommandError(f"No active staff account has the address {email!r}.")
        base_url = base_url or (LOCAL_BASE_URL if settings.DEBUG else "")
        if not base_url.startswith(("https://", "http://")):
            raise CommandError("Give the site's address with --base-url https://your.site.")
        token = services.staff_enrolment_create(user=user, valid_for=timedelta(hours=hours))
        link = base_url.rstrip("/") + reverse("accounts:staff_enrolment", args=[token])
        if send:
            services.staff_enrolment_send(user=user, link=link, hours=hours)
            self.stdout.write(f"E-mailed the link to {user.email}.")
        self.stdout.write(link)
