"""Accounts: sign-up, sign-in, the account page, password change and deletion."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "intimacy_app.accounts"
    label = "accounts"
    verbose_name = "Accounts"
