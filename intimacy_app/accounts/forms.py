"""Forms for joining, signing in, confirming it is you, and the second step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.http import HttpRequest
from django.template import loader

from intimacy_app.accounts.models import (
    BACKUP_CODE_DIGITS,
    DEFAULT_TIME_ZONE,
    User,
    time_zone_names,
)

# What a taken address is told: not that it is taken, which would say who is a member.
SIGNUP_REFUSED = (
    "We could not create an account with that address. If you have joined before, sign in or "
    "reset your password."
)


class SignUpForm(BaseUserCreationForm):
    """An e-mail address and a password; nothing else is asked. The time zone is the browser's,
    filled in by site.js; without JavaScript it stays UTC and the account page says so."""

    time_zone = forms.CharField(
        required=False,
        widget=forms.HiddenInput(attrs={"data-browser-time-zone": True}),
        initial=DEFAULT_TIME_ZONE,
    )

    class Meta:
        model = User
        fields = ("email",)
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})}

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(SIGNUP_REFUSED)
        return email

    def clean_time_zone(self) -> str:
        """The browser's zone, or UTC: nobody can correct a hidden field, so an unknown name is
        not an error here (the account page offers the choice later)."""
        name = self.cleaned_data.get("time_zone") or ""
        return name if name in time_zone_names() else DEFAULT_TIME_ZONE


class TimeZoneForm(forms.Form):
    """The zone the member's times are shown in: chosen from the list on the account page, or
    the browser's, sent by the offer's button."""

    time_zone = forms.ChoiceField(
        label="Show my times in",
        choices=lambda: [(name, name.replace("_", " ")) for name in time_zone_names()],
        error_messages={
            "required": "Choose a time zone.",
            "invalid_choice": (
                "“%(value)s” is not a time zone we know. Choose one from the list, such as "
                "Europe/Berlin or America/New_York."
            ),
        },
        help_text="Every time in your journal, insights and exports is shown in this zone.",
    )


class SignInForm(AuthenticationForm):
    """Django's sign-in form, matching e-mail addresses without regard to case."""

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class CodeField(forms.CharField):
    """The six digits an authenticator app shows, spaces allowed."""

    lengths: frozenset[int] = frozenset({6})
    invalid = "Enter the six digits your app shows."

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Code from your authenticator app")
        kwargs.setdefault("max_length", 12)
        super().__init__(
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                    "pattern": "[0-9 \\-]*",
                    "size": kwargs["max_length"] - 4,
                }
            ),
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        code = "".join(str(super().clean(value)).split()).replace("-", "")
        if not (code.isascii() and code.isdigit() and len(code) in self.lengths):
            raise forms.ValidationError(self.invalid)
        return code


class SecondStepField(CodeField):
    """The second step: six digits from the authenticator app, or a ten-digit backup code."""

    lengths = frozenset({6, BACKUP_CODE_DIGITS})
    invalid = "Enter the six digits your app shows, or one of your ten-digit backup codes."

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Code from your authenticator app, or a backup code")
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)


class CodeForm(forms.Form):
    """Turning two-step sign-in on: a code from the new app."""

    otp_token = CodeField()


class SecondStepForm(forms.Form):
    """The second step of signing in."""

    otp_token = SecondStepField()


class ConfirmForm(forms.Form):
    """Confirm it is you: the password again, and the code when two-step sign-in is on.

    The password is checked by `authenticate`, as on the sign-in page, so wrong guesses here
    count towards the same lockout.
    """

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(
        self, *args: Any, request: HttpRequest, user: User, needs_code: bool, **kwargs: Any
    ) -> None:
        self.request = request
        self.user = user
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["otp_token"] = SecondStepField()

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if authenticate(self.request, username=self.user.email, password=password) != self.user:
            raise forms.ValidationError("That password is not right.")
        return password


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, keeping the messages it writes in `outbox` for the view to send later,
    so that the answer takes the same time whether or not the address has an account."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outbox: list[EmailMessage] = []

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            message.attach_alternative(html, "text/html")
        self.outbox.append(message)
