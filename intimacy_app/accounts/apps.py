"""Accounts: sign-up, sign-in, the account page, password change and deletion."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "intimacy_app.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from intimacy_app.accounts import checks, sessions  # noqa: F401 (checks register)

        # Every sign-in passes through Django's login(): ours, the second step, and test clients.
        user_logged_in.connect(sessions.session_start, dispatch_uid="accounts.session_start")


class SiteAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with `MemberAdminSite` as `admin.site` (listed in INSTALLED_APPS)."""

    default = False
    default_site = "intimacy_app.accounts.admin_site.MemberAdminSite"
