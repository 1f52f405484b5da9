"""The account-wide export: the profile from accounts, with what quiz and journal each export.

It lives in the project package because it draws on the feature apps, which the shared core
(intimacy_app.accounts, intimacy_app.content) never imports. Routed in intimacy_app.urls under
the accounts namespace, as `accounts:export`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from intimacy_app.accounts.decorators import recent_auth_required
from intimacy_app.accounts.models import User
from intimacy_app.accounts.selectors import two_factor_device
from journal import exports as journal_exports
from journal import selectors as journal_selectors
from quiz.exports import attempts_export

FORMAT = "stay-in-the-room/account"
VERSION = 1


def account_export(*, user: User, exported_at: datetime) -> dict[str, Any]:
    """Everything the account holds, as one document: the profile, every quiz attempt with its
    answers and stored scores, and the journal in the journal's own export format.

    Never the password hash or the two-step secret: only whether two-step sign-in is on.
    """
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at.isoformat(),
        "profile": {
            "email": user.email,
            "joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "two_step_sign_in": two_factor_device(user=user) is not None,
        },
        "quiz_attempts": attempts_export(user=user),
        "journal": journal_exports.export_document(
            journal_selectors.entries_for_export(user=user), exported_at=exported_at
        ),
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@recent_auth_required
def account_export_view(request: HttpRequest) -> HttpResponse:
    """Everything the account holds as one JSON file (POST), after a page saying what is in it."""
    if request.method == "GET":
        return render(request, "accounts/account_export.html")
    user: User = request.user  # type: ignore[assignment]
    document = account_export(user=user, exported_at=timezone.now())
    # Compact: with `indent`, json falls back to its pure-Python encoder.
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"stay-in-the-room-account-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
