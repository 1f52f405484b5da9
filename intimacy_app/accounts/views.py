"""Joining, signing in and out, confirming it is you, two-step sign-in, the account page and
leaving."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timeuntil
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from intimacy_app.accounts import selectors, services, sessions
from intimacy_app.accounts.decorators import recent_auth_required
from intimacy_app.accounts.forms import (
    SIGNUP_REFUSED,
    CodeForm,
    ConfirmForm,
    PasswordResetForm,
    SecondStepForm,
    SignInForm,
    SignUpForm,
    TimeZoneForm,
)
from intimacy_app.accounts.models import (
    BACKUP_CODE_DIGITS,
    DEFAULT_TIME_ZONE,
    BackupCodes,
    User,
    totp_key_open,
    totp_key_seal,
)
from intimacy_app.accounts.throttle import rate_limit, slow_account_guessing
from intimacy_app.crypto import DecryptionError

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PENDING_TOTP_KEY = "accounts.totp_key"
# The staff enrolment (its row's id) whose link this session opened; see staff_enrolment.
STAFF_ENROLMENT_KEY = "accounts.staff_enrolment"
WRONG_CODE = "That code did not match. Codes change every 30 seconds: try the newest one."
WRONG_BACKUP_CODE = "That backup code did not match, or it has been used already."


def _signed_in_home() -> str:
    """Where signing in lands when `next` does not say: the member's home."""
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """Where `next` asks to go, if that is a path on this site; otherwise `fallback`.

    Only paths: redirect() would take anything else without a slash for a URL name to reverse.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit(scope="signup", limit=10, window=timedelta(hours=1))
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and sign straight in; the same form sent again soon after signs in."""
    if request.user.is_authenticated:
        return redirect(_signed_in_home())
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        user: User | None = None
        if form.is_valid():
            # The account, its first sign-in and the session stand or fall together: if the
            # database goes away in between, nothing is kept and sending the form again works.
            with transaction.atomic():
                user = services.account_create(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                    time_zone=form.cleaned_data["time_zone"],
                )
                login(request, user, backend=MODEL_BACKEND)
                request.session.save()
        elif (user := _joined_moments_ago(request, form)) is not None:
            login(request, user, backend=MODEL_BACKEND)
        if user is not None:
            messages.success(request, "Welcome. Your account is ready.")
            return redirect(_safe_next(request, _signed_in_home()))
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request, "")})


# A sign-up sent again this soon after the account was made is the same person retrying.
SIGNUP_RETRY_WINDOW = timedelta(minutes=15)


def _joined_moments_ago(request: HttpRequest, form: SignUpForm) -> User | None:
    """The account a refused sign-up is a retry of, if it is one: the answer to the first
    was lost after the account was made (a dropped connection, a timeout, the session not
    saved), so the same address and password sign in rather than being turned away.

    Only an account made within the window, with no second factor to skip, and only with its
    password, checked by `authenticate` so that wrong guesses count towards the lockout.
    """
    email, password = form.data.get("email", ""), form.data.get("password1", "")
    if (
        SIGNUP_REFUSED not in form.errors.get("email", [])
        or not password
        or password != form.data.get("password2")
    ):
        return None
    user = authenticate(request, username=email.strip().lower(), password=password)
    if not isinstance(user, User) or user.date_joined < timezone.now() - SIGNUP_RETRY_WINDOW:
        return None
    return user if selectors.two_factor_device(user=user) is None else None


@method_decorator(slow_account_guessing, name="dispatch")
@method_decorator(
    rate_limit(scope="signin", limit=settings.SIGNIN_CLIENT_LIMIT, window=timedelta(hours=1)),
    name="dispatch",
)
class SignInView(auth_views.LoginView):
    """Sign in with e-mail and password; then the code, for members who turned that on."""

    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if selectors.two_factor_device(user=user) is None:
            return super().form_valid(form)
        sessions.second_step_begin(self.request.session, user=user)
        query = urlencode({"next": self.get_success_url()})
        return HttpResponseRedirect(f"{reverse('accounts:login_code')}?{query}")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the member's authenticator app."""
    next_url = _safe_next(request, _signed_in_home())
    if request.user.is_authenticated:
        return redirect(next_url)
    user_id = sessions.second_step_user_id(request.session)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    device = selectors.two_factor_device(user=user) if user else None
    if user is None or device is None:
        sessions.second_step_abandon(request.session)
        messages.info(request, "Please sign in again.")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")

    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["otp_token"]
        accepted = services.second_step_check(user=user, code=code)
        if accepted is not None:
            login(request, user, backend=MODEL_BACKEND)
            django_otp.login(request, accepted)
            if isinstance(accepted, BackupCodes):
                _backup_code_spent(request, user)
            return redirect(next_url)
        form.add_error("otp_token", _wrong_code(code))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": next_url, "support_email": settings.SUPPORT_EMAIL}
    return render(request, "accounts/login_code.html", context, status=status)


def _wrong_code(code: str) -> str:
    return WRONG_BACKUP_CODE if len(code) == BACKUP_CODE_DIGITS else WRONG_CODE


def _backup_code_spent(request: HttpRequest, user: User) -> None:
    left = selectors.backup_codes_left(user=user)
    messages.warning(
        request,
        f"You used a backup code; {left} left. If your phone is gone, set up two-step sign-in "
        "on your new one, or make new backup codes, from your account page.",
    )


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only)."""

    http_method_names = ["post", "options"]


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def confirm(request: HttpRequest) -> HttpResponse:
    """Confirm it is you: the password again (and the code, with two-step sign-in on)."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request, str(reverse_lazy("accounts:account")))
    needs_code = selectors.two_factor_device(user=user) is not None
    form = ConfirmForm(request.POST or None, request=request, user=user, needs_code=needs_code)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data.get("otp_token", "")
        accepted = services.second_step_check(user=user, code=code) if needs_code else None
        if not needs_code or accepted is not None:
            sessions.mark_confirmed(request.session)
            if accepted is not None:
                django_otp.login(request, accepted)
                if isinstance(accepted, BackupCodes):
                    _backup_code_spent(request, user)
            return redirect(next_url)
        form.add_error("otp_token", _wrong_code(code))
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
    """Django's reset, answering as fast for an unknown address as for a member's: the mail is
    written during the request and sent on a thread of its own (services.mail_send_later)."""

    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        services.mail_send_later(form.outbox)
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_safe
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The member's account page."""
    user: User = request.user  # type: ignore[assignment]
    form = TimeZoneForm(initial={"time_zone": user.time_zone})
    return render(request, "accounts/account.html", _account_context(user, form))


def _account_context(user: User, time_zone_form: TimeZoneForm) -> dict[str, Any]:
    now = timezone.now()
    two_factor_on = selectors.two_factor_device(user=user) is not None
    return {
        "two_factor_on": two_factor_on,
        "backup_codes_left": selectors.backup_codes_left(user=user) if two_factor_on else None,
        "session_idle": timeuntil(now + settings.MEMBER_SESSION_IDLE, now),
        "session_lifetime": timeuntil(now + settings.MEMBER_SESSION_LIFETIME, now),
        "time_zone_form": time_zone_form,
        "time_zone_unset": user.time_zone == DEFAULT_TIME_ZONE,
    }


@require_POST
@login_required
def time_zone(request: HttpRequest) -> HttpResponse:
    """Show the member's times in another zone: chosen on the account page, or the browser's,
    accepted from the offer on the member's home. Never changed without this request."""
    user: User = request.user  # type: ignore[assignment]
    form = TimeZoneForm(request.POST)
    if not form.is_valid():
        context = _account_context(user, form)
        return render(request, "accounts/account.html", context, status=400)
    services.time_zone_set(user=user, time_zone=form.cleaned_data["time_zone"])
    messages.success(request, f"Your times are now shown in {user.time_zone.replace('_', ' ')}.")
    return redirect(_safe_next(request, reverse("accounts:account")))


@require_POST
@login_required
def sign_out_elsewhere(request: HttpRequest) -> HttpResponse:
    """Sign out every other browser and device; this one stays signed in with a new key."""
    user: User = request.user  # type: ignore[assignment]
    services.sessions_end_elsewhere(user=user, keep_session_key=request.session.session_key)
    update_session_auth_hash(request, user)
    messages.success(request, "Every other browser and device has been signed out.")
    return redirect("accounts:account")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@recent_auth_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Two-step sign-in: its state, or setting it up with a code from the member's app."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request, str(reverse_lazy("accounts:account")))
    if selectors.two_factor_device(user=user) is not None:
        left = selectors.backup_codes_left(user=user)
        context: dict[str, Any] = {"enabled": True, "backup_codes_left": left}
        return render(request, "accounts/two_factor.html", context)
    enrolment = None
    if user.is_staff:
        # Staff set it up only through a one-time link (see staff_enrolment): a password
        # alone must not be enough to enrol an app of the holder's choosing.
        enrolment = selectors.staff_enrolment_open(
            user=user, enrolment_id=request.session.get(STAFF_ENROLMENT_KEY)
        )
        if enrolment is None:
            context = {"support_email": settings.SUPPORT_EMAIL}
            return render(request, "accounts/staff_enrolment_needed.html", context, status=403)

    key = _pending_key(request, user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["otp_token"]
        enabled = services.two_factor_enable(user=user, key=key, token=code, enrolment=enrolment)
        if enabled is not None:
            del request.session[PENDING_TOTP_KEY]
            request.session.pop(STAFF_ENROLMENT_KEY, None)
            django_otp.login(request, enabled.device)
            # Shown in this answer and nowhere else: the codes are not kept in the clear.
            context = {"codes": enabled.backup_codes, "just_enabled": True, "next": next_url}
            return render(request, "accounts/backup_codes.html", context)
        form.add_error("otp_token", WRONG_CODE)
    context = {
        "enabled": False,
        "form": form,
        "next": next_url,
        "provisioning": selectors.two_factor_provisioning(user=user, key=key),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/two_factor.html", context, status=status)


def _pending_key(request: HttpRequest, user: User) -> str:
    """The secret being set up, kept sealed in the session for this member only."""
    sealed = request.session.get(PENDING_TOTP_KEY)
    if isinstance(sealed, str):
        try:
            return totp_key_open(sealed, user_id=user.pk, purpose="pending")
        except DecryptionError:
            pass  # another member's, or sealed under a key since retired: start afresh
    key = services.two_factor_new_key()
    request.session[PENDING_TOTP_KEY] = totp_key_seal(key, user_id=user.pk, purpose="pending")
    return key


@require_POST
@recent_auth_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in off."""
    user: User = request.user  # type: ignore[assignment]
    services.two_factor_disable(user=user)
    messages.success(request, "Two-step sign-in is off. Signing in now needs only your password.")
    return redirect("accounts:account")


@require_http_methods(["GET", "HEAD", "POST"])
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
