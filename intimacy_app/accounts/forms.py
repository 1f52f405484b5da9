"""Forms for joining, signing in and leaving."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm

from intimacy_app.accounts.models import User


class SignUpForm(BaseUserCreationForm):
    """An e-mail address and a password; nothing else is asked."""

    class Meta:
        model = User
        fields = ("email",)
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})}

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(
                "That address already has an account. Try signing in, or reset the password."
            )
        return email


class SignInForm(AuthenticationForm):
    """Django's sign-in form, matching e-mail addresses without regard to case."""

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class AccountDeleteForm(forms.Form):
    """Asks for the password once more before everything is removed."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That password is not right.")
        return password
