"""Site pages that belong to no single app: home, safety, privacy, the health probes, and the
page for a form that failed its CSRF check."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from intimacy_app.content import selectors
from intimacy_app.content.views import render_library_page


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What this is and is not, and the two ways in."""
    patterns = SimpleLazyObject(lambda: selectors.pattern_list()[:6])
    return render_library_page(request, "pages/home.html", {"patterns": patterns})


@require_safe
def safety(request: HttpRequest) -> HttpResponse:
    """About, what this is not, and crisis resources."""
    return render(request, "pages/safety.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """What is stored and who can see it."""
    return render(request, "pages/privacy.html")


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process is up and answering."""
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form arrived without a valid CSRF token (CSRF_FAILURE_VIEW): explain, save nothing."""
    return render(request, "403_csrf.html", status=403)
