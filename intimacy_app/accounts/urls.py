from django.urls import path

from intimacy_app.accounts import two_step_views, views

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/login/code/", views.login_code, name="login_code"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/confirm/", views.confirm, name="confirm"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", views.account, name="account"),
    path("account/time-zone/", views.time_zone, name="time_zone"),
    path("account/sign-out-elsewhere/", views.sign_out_elsewhere, name="sign_out_elsewhere"),
    path("account/two-step/", views.two_factor, name="two_factor"),
    path("account/two-step/off/", views.two_factor_disable, name="two_factor_disable"),
    path("account/two-step/backup-codes/", two_step_views.backup_codes, name="backup_codes"),
    path(
        "account/two-step/enrol/<str:token>/",
        two_step_views.staff_enrolment,
        name="staff_enrolment",
    ),
    path("account/delete/", views.account_delete, name="account_delete"),
]
