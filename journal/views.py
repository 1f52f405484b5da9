"""The journal's pages. Each works as a plain page; with htmx the same view returns a fragment.

Every view is for the signed-in member only, answers for their entries only (anyone else's is a
404), and is never cached by the browser.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event
from django_htmx.middleware import HtmxDetails

from intimacy_app.accounts import member_cache
from intimacy_app.accounts.decorators import recent_auth_required
from intimacy_app.accounts.models import User
from intimacy_app.accounts.throttle import rate_limit
from intimacy_app.content.selectors import library_version
from journal import exports, imports, selectors, services
from journal.forms import (
    DeleteAllForm,
    EntryFilterForm,
    EntryForm,
    ImportForm,
    InsightsForm,
    PromptsForm,
    valid_time_zone,
)
from journal.imports import ImportRejected
from journal.insights import insights_for
from journal.models import Entry

CHANGED_EVENT = "journalChanged"
View = Callable[..., HttpResponse]


class MemberRequest(HttpRequest):
    """What a journal view receives: django-htmx's details and (member_view checks) a member."""

    htmx: HtmxDetails
    user: User  # type: ignore[assignment]


def member_view(view: View) -> View:
    """Members only, never cached. Times are in the member's stored zone (accounts.middleware)."""

    @wraps(view)
    def wrapper(request: MemberRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.htmx:
                here = request.htmx.current_url_abs_path or reverse("journal:list")
                return HttpResponseClientRedirect(
                    f"{reverse('accounts:login')}?{urlencode({'next': here})}"
                )
            return redirect_to_login(request.get_full_path())
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_vary_headers(response, ["HX-Request"])
        return response

    return wrapper


def _page(
    request: MemberRequest,
    template: str,
    partial: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """The whole page, or just `partial` of it when htmx asked."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def _posted(request: MemberRequest) -> QueryDict | None:
    """The submitted form data, or None so a GET shows an unbound form (even an empty POST is
    bound, so it gets its error messages)."""
    return request.POST if request.method == "POST" else None


def _valid_as_written(request: MemberRequest, form: EntryForm) -> bool:
    """Validate `form`, reading its times in the zone the form names (journal.js puts the
    browser's there when it fills in "now"), else in the member's own. For reading this one
    submission only: nothing is remembered, and every time shown stays in the member's stored
    zone (accounts.middleware), so it reads the same on every visit."""
    zone = valid_time_zone(request.POST.get("tz", ""))
    with timezone.override(ZoneInfo(zone)) if zone else nullcontext():
        return form.is_valid()


def _form_key(entry: Entry | None) -> str:
    # Several forms can share the list page, so their element ids need a distinct prefix.
    return "new" if entry is None else f"e{entry.pk.hex[:12]}"


@require_safe
@member_view
def entry_list(request: MemberRequest) -> HttpResponse:
    """The member's entries, newest first, searched and filtered from the query string."""
    form = EntryFilterForm(request.GET)
    keys = {"member_key": member_cache.member_key(request)}
    if request.GET and not form.is_valid():
        invalid = {"filter_form": form, "page": None, **keys}
        return _page(request, "journal/entry_list.html", "results", invalid, status=400)
    filters = form.filters() if request.GET else selectors.EntryFilters()
    number = form.cleaned_data["page"] if request.GET else None
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "filter_form": form,
        "filters": filters,
        # Without JavaScript a delete lands here, with the way to undo it.
        "undoable": selectors.entry_undoable(user=request.user, pk=query.pop("deleted", [""])[0]),
        # Read only when the kept copy of the list is missing or out of date (member_cache).
        "page": SimpleLazyObject(
            lambda: selectors.entry_page(user=request.user, filters=filters, number=number)
        ),
        "query": query.urlencode(),
        **keys,
    }
    return _page(request, "journal/entry_list.html", "results", context)


@require_safe
@member_view
def entry_detail(request: MemberRequest, pk: uuid.UUID) -> HttpResponse:
    """One entry in full."""
    entry = selectors.entry_get(user=request.user, pk=pk)
    return _page(request, "journal/entry_detail.html", "card", {"entry": entry})


def _form_context(request: MemberRequest, form: EntryForm, entry: Entry | None) -> dict[str, Any]:
    picked = form.picked_patterns()
    # A new, empty form is the same for everyone but for its time and prompts: the template keeps
    # its library parts under the library's version.
    fresh = entry is None and not form.is_bound and not picked
    return {
        "form": form,
        "entry": entry,
        "form_key": _form_key(entry),
        "inline": bool(request.htmx),
        "prompts": selectors.prompts_for(patterns=picked, user=request.user),
        "library_version": library_version() if fresh else None,
    }


def _entry_form_page(
    request: MemberRequest, form: EntryForm, entry: Entry | None, save: Callable[[], HttpResponse]
) -> HttpResponse:
    """The entry form; once it is sent and valid, `save()` stores it and answers. A service's
    refusal, like a field's problem, shows the form again with a 400 and nothing saved."""
    status = 200
    if request.method == "POST":
        if _valid_as_written(request, form):
            try:
                return save()
            except ValidationError as error:
                form.add_error(None, error)
        status = 400
    context = _form_context(request, form, entry)
    return _page(request, "journal/entry_form.html", "form", context, status)


@require_http_methods(["GET", "HEAD", "POST"])
@member_view
def entry_create(request: MemberRequest) -> HttpResponse:
    """Log a moment: a page of its own, or (with htmx) a form opened above the list."""
    follow_up = selectors.pending_follow_up(user=request.user)
    picked = PromptsForm(request.GET)
    initial = {"patterns": picked.cleaned_data["patterns"]} if picked.is_valid() else {}
    form = EntryForm(
        _posted(request),
        owner=request.user,
        follow_up=follow_up,
        initial=initial,
        auto_id=f"{_form_key(None)}-%s",
    )

    def save() -> HttpResponse:
        entry, created = services.entry_create_once(
            owner=request.user,
            submission_token=form.cleaned_data.get("submission_token"),
            **form.entry_fields(),
        )
        if request.htmx:
            return _changed(render(request, "journal/entry_form.html#saved", {"entry": entry}))
        if created:
            messages.success(request, "Saved. It's in your journal now.")
            return redirect("journal:list")
        # The same form again (a double click, a retry): show what the first one kept.
        messages.info(request, "This moment was already saved. Here it is.")
        return redirect(entry)

    return _entry_form_page(request, form, None, save)


@require_http_methods(["GET", "HEAD", "POST"])
@member_view
def entry_update(request: MemberRequest, pk: uuid.UUID) -> HttpResponse:
    """Change an entry: its own page, or (with htmx) in place of its card."""
    entry = selectors.entry_get(user=request.user, pk=pk)
    form = EntryForm(
        _posted(request), owner=request.user, instance=entry, auto_id=f"{_form_key(entry)}-%s"
    )

    def save() -> HttpResponse:
        services.entry_update(entry=entry, **form.entry_fields())
        if request.htmx:
            saved = selectors.entry_get(user=request.user, pk=pk)
            context = {"entry": saved, "notice": "Your changes are saved."}
            return _changed(render(request, "journal/entry_detail.html#updated", context))
        messages.success(request, "Your changes are saved.")
        return redirect(entry)

    return _entry_form_page(request, form, entry, save)


@require_http_methods(["GET", "HEAD", "POST"])
@member_view
def entry_delete(request: MemberRequest, pk: uuid.UUID) -> HttpResponse:
    """Ask first, then delete (POST only), with a way to undo it for a few minutes."""
    entry = selectors.entry_get(user=request.user, pk=pk)
    if request.method == "POST":
        services.entry_delete(entry=entry)
        if request.htmx:
            return _changed(
                render(request, "journal/entry_confirm_delete.html#deleted", {"entry": entry})
            )
        return redirect(f"{reverse('journal:list')}?{urlencode({'deleted': str(entry.pk)})}")
    return _page(request, "journal/entry_confirm_delete.html", "confirm", {"entry": entry})


@require_POST
@member_view
def entry_undo_delete(request: MemberRequest, pk: uuid.UUID) -> HttpResponse:
    """Bring back an entry deleted a few minutes ago; after that it is gone (410)."""
    try:
        entry = services.entry_restore(owner=request.user, pk=pk)
    except Entry.DoesNotExist:
        context = {"gone": True}
        return _page(request, "journal/entry_confirm_delete.html", "gone", context, status=410)
    if request.htmx:
        return _changed(
            render(request, "journal/entry_confirm_delete.html#restored", {"entry": entry})
        )
    messages.success(request, "It's back in your journal.")
    return redirect(entry)


def _changed(response: HttpResponse) -> HttpResponse:
    # The list page refreshes its count and results on this event (see entry_list.html).
    # Sent once the change has settled, when focus is already where it belongs (in the saved
    # card, say); a refresh that answered before then would replace the card under it.
    return trigger_client_event(response, CHANGED_EVENT, after="settle")


@require_safe
@member_view
def entry_prompts(request: MemberRequest) -> HttpResponse:
    """Prompts for the patterns ticked so far; without htmx, a new entry with them ticked."""
    form = PromptsForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "journal/entry_form.html#prompts",
            {"prompt_errors": form.errors["patterns"]},
            status=400,
        )
    if not request.htmx:
        return redirect(f"{reverse('journal:create')}?{request.GET.urlencode()}")
    prompts = selectors.prompts_for(patterns=form.cleaned_data["patterns"], user=request.user)
    return render(request, "journal/entry_form.html#prompts", {"prompts": prompts})


@require_safe
@member_view
def insights(request: MemberRequest) -> HttpResponse:
    """What the journal shows over a period: charts with tables, counts, how plans went."""
    form = InsightsForm(request.GET)
    if not form.is_valid():
        invalid = {"form": form, "member_key": member_cache.member_key(request)}
        return render(request, "journal/insights.html", invalid, status=400)
    weeks = form.cleaned_data["weeks"]
    context = {
        "form": form,
        "insights": SimpleLazyObject(lambda: insights_for(user=request.user, weeks=weeks)),
        # "The last weeks" move on with the calendar, so today is part of the key.
        "member_key": member_cache.member_key(request, timezone.localdate()),
    }
    return render(request, "journal/insights.html", context)


@require_safe
@recent_auth_required
@member_view
def export(request: MemberRequest) -> HttpResponse:
    """Download everything, bring an export back in, or start over."""
    context = {
        "count": selectors.entry_count(user=request.user),
        "import_form": ImportForm(),
    }
    return render(request, "journal/export.html", context)


EXPORTS: dict[str, tuple[str, str]] = {
    "json": ("application/json; charset=utf-8", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "md": ("text/markdown; charset=utf-8", "md"),
}


@require_safe
@recent_auth_required
@member_view
def export_file(request: MemberRequest, fmt: str) -> HttpResponse:
    """The member's whole journal as a download: JSON (imports back), CSV or Markdown."""
    if fmt not in EXPORTS:
        raise Http404("No such export format.")
    entries = selectors.entries_for_export(user=request.user)
    now = timezone.now()
    if fmt == "json":
        body = exports.render_json(entries, exported_at=now)
    elif fmt == "csv":
        body = exports.render_csv(entries)
    else:
        body = exports.render_markdown(entries, exported_at=now)
    content_type, extension = EXPORTS[fmt]
    response = HttpResponse(body, content_type=content_type)
    filename = f"stay-in-the-room-journal-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Checked before the body is read, so a huge upload is refused without being parsed.
UPLOAD_SLACK = 64 * 1024


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit(scope="journal_import", limit=30, window=timedelta(hours=1))
@recent_auth_required
@member_view
def entries_import(request: MemberRequest) -> HttpResponse:
    """Bring a JSON export back in; a bad file changes nothing and says why."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if request.method == "POST" and (
        not declared.isdigit() or int(declared) > imports.MAX_BYTES + UPLOAD_SLACK
    ):
        context = {"import_form": ImportForm(), "too_large": imports.TOO_LARGE}
        return render(request, "journal/import.html", context, status=400)
    return _entries_import(request)


@csrf_protect
def _entries_import(request: MemberRequest) -> HttpResponse:
    form = ImportForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                report = services.entries_import(owner=request.user, raw=form.cleaned_data["file"])
            except ImportRejected as rejected:
                form.add_error("file", rejected.errors)
            else:
                messages.success(request, _imported_message(report))
                return redirect("journal:list")
        return render(request, "journal/import.html", {"import_form": form}, status=400)
    return render(request, "journal/import.html", {"import_form": form})


def _imported_message(report: services.ImportReport) -> str:
    return f"Imported: {report.created} added, {report.already_there} already there."


@require_http_methods(["GET", "HEAD", "POST"])
@member_view
def entries_delete_all(request: MemberRequest) -> HttpResponse:
    """Start over: delete every entry, after a confirming tick (POST only)."""
    form = DeleteAllForm(_posted(request))
    if request.method == "POST":
        if form.is_valid():
            count = services.entries_delete_all(owner=request.user)
            messages.success(request, f"Your journal is empty now ({count} deleted).")
            return redirect("journal:list")
        status = 400
    else:
        status = 200
    context = {"form": form, "count": selectors.entry_count(user=request.user)}
    return render(request, "journal/delete_all.html", context, status=status)
