"""Backup codes, and the one-time link through which a staff member sets up two-step sign-in."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from intimacy_app.accounts import selectors, services
from intimacy_app.accounts.decorators import recent_auth_required
from intimacy_app.accounts.models import User
from intimacy_app.accounts.views import STAFF_ENROLMENT_KEY


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@recent_auth_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """How many backup codes are left, and a fresh set of ten (POST), shown once."""
    user: User = request.user  # type: ignore[assignment]
    if selectors.two_factor_device(user=user) is None:
        return redirect("accounts:two_factor")
    if request.method == "POST":
        codes = services.backup_codes_renew(user=user)
        return render(request, "accounts/backup_codes.html", {"codes": codes})
    context = {"backup_codes_left": selectors.backup_codes_left(user=user)}
    return render(request, "accounts/backup_codes.html", context)


@never_cache
@require_safe
def staff_enrolment(request: HttpRequest, token: str) -> HttpResponse:
    """Open a staff enrolment link: signed in as its staff member, this session may then set up
    two-step sign-in (views.two_factor), once, before the link expires."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user: User = request.user  # type: ignore[assignment]
    enrolment = (
        selectors.staff_enrolment_for_link(user=user, token=token) if user.is_staff else None
    )
    if enrolment is None:
        context = {"support_email": settings.SUPPORT_EMAIL}
        return render(request, "accounts/staff_enrolment_invalid.html", context, status=404)
    request.session[STAFF_ENROLMENT_KEY] = enrolment.pk
    return redirect(f"{reverse('accounts:two_factor')}?next={reverse('admin:index')}")
