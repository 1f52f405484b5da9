"""The benchmark's baseline: the least a real page does, so other pages compare against it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from intimacy_app.content.models import Prompt

BASELINE_ROWS = 20


@require_GET
def baseline(request: HttpRequest) -> HttpResponse:
    """A small template with 20 rows from one query: the yardstick every page is measured by."""
    rows = Prompt.objects.order_by("pk").values_list("slug", "text")[:BASELINE_ROWS]
    return render(request, "ops/baseline.html", {"rows": rows})
