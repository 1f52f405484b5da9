"""The project's URLs; each app owns its own below these."""

from django.contrib import admin
from django.urls import include, path

from intimacy_app import views

admin.site.site_header = "Stay in the Room: content"
admin.site.site_title = "Stay in the Room admin"
admin.site.index_title = "Content library and quiz"

urlpatterns = [
    path("", views.home, name="home"),
    path("safety/", views.safety, name="safety"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # Apps under their own prefix first: an include without one is tried pattern by pattern,
    # and a miss there costs more than a prefix that does not match.
    path("quiz/", include("quiz.urls")),
    path("journal/", include("journal.urls")),
    path("admin/", admin.site.urls),
    path("", include("intimacy_app.content.urls")),
    path("", include("intimacy_app.accounts.urls")),
]
