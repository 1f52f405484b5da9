"""The admin site: staff sign in on the site itself, and must have passed their second step."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


class MemberAdminSite(admin.AdminSite):
    """Django's admin, open only to active staff whose session is verified by a code."""

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return super().has_permission(request) and user.is_verified()

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """Send each kind of visitor to the step they are missing; the admin asks for nothing."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        user: Any = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("accounts:login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if user.is_verified():
            return redirect(next_url)
        return _second_step(request, user, next_url)


def _second_step(request: HttpRequest, user: Any, next_url: str) -> HttpResponse:
    from intimacy_app.accounts import selectors

    query = urlencode({"next": next_url})
    if selectors.two_factor_device(user=user) is None:
        messages.info(request, "The admin needs two-step sign-in, set up through a one-time link.")
        return redirect(f"{reverse('accounts:two_factor')}?{query}")
    return redirect(f"{reverse('accounts:confirm')}?{query}")
