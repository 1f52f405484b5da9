"""Joining, signing in and out, confirming it is you, the account page and leaving."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timeuntil
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intimacy_app.accounts import services, sessions
from intimacy_app.accounts.decorators import recent_auth_required
from intimacy_app.accounts.forms import ConfirmForm, SignInForm, SignUpForm
from intimacy_app.accounts.models import User
from intimacy_app.accounts.throttle import rate_limit


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
@rate_limit(scope="signup", limit=10, window=timedelta(hours=1))
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and sign straight in."""
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.account_create(
            email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome. Your account is ready.")
        return redirect(_safe_next(request, str(reverse_lazy("accounts:account"))))
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request, "")})


class SignInView(auth_views.LoginView):
    """Sign in with e-mail and password."""

    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only)."""

    http_method_names = ["post", "options"]


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def confirm(request: HttpRequest) -> HttpResponse:
    """Confirm it is you: the password again."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request, str(reverse_lazy("accounts:account")))
    form = ConfirmForm(request.POST or None, request=request, user=user)
    if request.method == "POST" and form.is_valid():
        sessions.mark_confirmed(request.session)
        return redirect(next_url)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": next_url}
    return render(request, "accounts/confirm.html", context, status=status)


@method_decorator(recent_auth_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        messages.success(
            self.request, "Your password has been changed, and every other session signed out."
        )
        return super().form_valid(form)


@method_decorator(
    rate_limit(scope="password_reset", limit=5, window=timedelta(hours=1)), name="dispatch"
)
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_GET
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The member's account page."""
    now = timezone.now()
    context = {
        "session_idle": timeuntil(now + settings.MEMBER_SESSION_IDLE, now),
        "session_lifetime": timeuntil(now + settings.MEMBER_SESSION_LIFETIME, now),
    }
    return render(request, "accounts/account.html", context)


@require_POST
@login_required
def sign_out_elsewhere(request: HttpRequest) -> HttpResponse:
    """Sign out every other browser and device; this one stays signed in with a new key."""
    user: User = request.user  # type: ignore[assignment]
    services.sessions_end_elsewhere(user=user, keep_session_key=request.session.session_key)
    update_session_auth_hash(request, user)
    messages.success(request, "Every other browser and device has been signed out.")
    return redirect("accounts:account")


@require_http_methods(["GET", "POST"])
@recent_auth_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the account and everything in it, once the member has confirmed it is them."""
    if request.method == "POST":
        user: User = request.user  # type: ignore[assignment]
        logout(request)
        services.account_delete(user=user)
        messages.success(request, "Your account and everything in it have been deleted.")
        return redirect("home")
    return render(request, "accounts/account_delete.html")
