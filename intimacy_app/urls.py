"""The project's URLs; each app owns its own below these."""

from django.contrib import admin
from django.urls import include, path

from intimacy_app import views
from intimacy_app.account_export import account_export_view
from intimacy_app.accounts import urls as accounts_urls
from intimacy_app.member_home import member_home

admin.site.site_header = "Stay in the Room: content"
admin.site.site_title = "Stay in the Room admin"
admin.site.index_title = "Content library and quiz"

urlpatterns = [
    path("", views.home, name="home"),
    path("safety/", views.safety, name="safety"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("home/", member_home, name="member_home"),
    # Apps under their own prefix first: an include without one is tried pattern by pattern,
    # and a miss there costs more than a prefix that does not match.
    path("quiz/", include("quiz.urls")),
    path("journal/", include("journal.urls")),
    path("admin/", admin.site.urls),
    path("", include("intimacy_app.content.urls")),
    # The account-wide export draws on quiz and journal, so the project routes it, in the
    # accounts namespace its links use; the core apps import no feature app.
    path(
        "",
        include(
            (
                [
                    *accounts_urls.urlpatterns,
                    path("account/export/", account_export_view, name="export"),
                ],
                accounts_urls.app_name,
            )
        ),
    ),
]
