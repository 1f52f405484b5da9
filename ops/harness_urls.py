"""The project's URLs plus the benchmark's baseline page, for harness runs only."""

from django.urls import include, path

from ops import harness_views

urlpatterns = [
    path("_harness/baseline/", harness_views.baseline, name="harness_baseline"),
    path("", include("intimacy_app.urls")),
]
