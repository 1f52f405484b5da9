"""The quiz in the admin: instruments, versions with their items, publishing, and statistics.

Attempts and answers are deliberately not registered: editors see only totals across everyone,
on the statistics page, never one person's answers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from quiz import scoring, versions
from quiz.models import Instrument, InstrumentVersion, Item, ReferenceFigure
from quiz.selectors import statistics
from quiz.selectors.attempts import next_version_number


class ItemFormSet(BaseInlineFormSet):
    """Refuses changes to the items of a version that has answers."""

    def clean(self) -> None:
        super().clean()
        if self.instance.pk and self.has_changed():
            versions.version_assert_editable(version=self.instance)


class ItemInline(admin.TabularInline):
    model = Item
    formset = ItemFormSet
    extra = 0
    fields = ("order", "text", "kind", "pattern", "reverse_keyed")
    autocomplete_fields = ("pattern",)
    ordering = ("order", "pk")

    def _editable(self, obj: InstrumentVersion | None) -> bool:
        return obj is None or not obj.is_frozen()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._editable(obj)


class ReferenceFigureInline(admin.TabularInline):
    """The version's reference figures, read-only: shipped defaults, or computed once from
    people's first attempts and then fixed (see versions.version_fix_reference)."""

    model = ReferenceFigure
    fields = ("pattern_slug", "sd", "reliability", "change_threshold")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Reference figures (for uncertainty ranges and reliable change)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Part of the version: whoever may see the version sees where its ranges come from.
        return request.user.has_perm("quiz.view_instrumentversion")

    @admin.display(description="smallest real change (points)")
    def change_threshold(self, obj: ReferenceFigure) -> str:
        threshold = scoring.reliable_change_threshold(sd=obj.sd, alpha=obj.reliability)
        return f"{threshold:.1f}"


class InstrumentVersionForm(forms.ModelForm):
    """Refuses changes to a version that has answers, even one that got its first answer while
    the form was open."""

    class Meta:
        model = InstrumentVersion
        fields = InstrumentVersion.FROZEN_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk and self.has_changed():
            versions.version_assert_editable(version=self.instance)
        return cleaned


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(admin.ModelAdmin):
    form = InstrumentVersionForm
    change_form_template = "quiz/admin/version_change_form.html"
    list_display = ("__str__", "status", "item_count", "completed_count", "published_at")
    list_filter = ("instrument", "status")
    list_select_related = ("instrument",)
    readonly_fields = (
        "number",
        "status",
        "published_at",
        "statistics_link",
        "reference_source",
        "reference_people",
        "reference_fixed_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "instrument",
                    "number",
                    "status",
                    "published_at",
                    "instruction",
                    "items_per_step",
                )
            },
        ),
        (
            "Bands",
            {
                "fields": ("band_some_from", "band_strong_from"),
                "description": "Where “some” and “strong” begin, on the 0-100 pattern score.",
            },
        ),
        (
            "Scale",
            {
                "fields": tuple(f"scale_label_{point}" for point in range(1, 6)),
                "description": "The words shown for each point of the 1-5 scale.",
            },
        ),
        (
            "Reference figures",
            {
                "fields": ("reference_source", "reference_people", "reference_fixed_at"),
                "description": "Where the figures below come from. Until enough people have "
                "finished this version for the first time they are shipped defaults; then they "
                "are computed once from those first attempts and never change again.",
            },
        ),
        ("Statistics", {"fields": ("statistics_link",)}),
    )
    inlines = (ItemInline, ReferenceFigureInline)
    actions = ("publish", "make_new_draft")

    def get_queryset(self, request: HttpRequest) -> QuerySet[InstrumentVersion]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_total=Count("items", distinct=True),
                completed_total=Count(
                    "attempts", filter=Q(attempts__completed_at__isnull=False), distinct=True
                ),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The instrument is chosen once, when the version is added.
        extra = ("instrument",) if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), *extra)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A frozen version opens read-only: its meaning is fixed by the answers it has.
        if obj is not None and obj.is_frozen():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != InstrumentVersion.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: InstrumentVersion, form: Any, change: bool
    ) -> None:
        if not change:
            obj.number = next_version_number(instrument=obj.instrument)
        super().save_model(request, obj, form, change)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        version = self.get_object(request, object_id)
        frozen = version is not None and version.is_frozen()
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "frozen": frozen}
        )

    @admin.display(description="statements", ordering="item_total")
    def item_count(self, obj: InstrumentVersion) -> int:
        return obj.item_total  # type: ignore[attr-defined]

    @admin.display(description="completed attempts", ordering="completed_total")
    def completed_count(self, obj: InstrumentVersion) -> int:
        return obj.completed_total  # type: ignore[attr-defined]

    @admin.display(description="statistics")
    def statistics_link(self, obj: InstrumentVersion) -> str:
        if obj.pk is None:
            return "Available once the version is saved."
        url = reverse("admin:quiz_instrumentversion_statistics", args=[obj.pk])
        return format_html('<a href="{}">Item and pattern statistics</a>', url)

    @admin.action(
        description="Publish the selected draft (retires the live version)", permissions=["change"]
    )
    def publish(self, request: HttpRequest, queryset: QuerySet[InstrumentVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(
                request, "Please choose exactly one draft to publish.", messages.WARNING
            )
            return
        try:
            version = versions.version_publish(version=queryset.get())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            f"Version {version.number} is now the live quiz. New attempts use it; past results "
            "keep the version they were scored with.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Make a new draft version from the selected one", permissions=["change"]
    )
    def make_new_draft(self, request: HttpRequest, queryset: QuerySet[InstrumentVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(
                request, "Please choose exactly one version to copy.", messages.WARNING
            )
            return
        try:
            draft = versions.version_new_draft(version=queryset.get())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        url = reverse("admin:quiz_instrumentversion_change", args=[draft.pk])
        self.message_user(
            request,
            format_html(
                'Version {} is a new draft with the same statements. <a href="{}">Edit it</a>.',
                draft.number,
                url,
            ),
            messages.SUCCESS,
        )

    def get_urls(self) -> list[URLPattern]:
        statistics_url = path(
            "<int:pk>/statistics/",
            self.admin_site.admin_view(self.statistics_view),
            name="quiz_instrumentversion_statistics",
        )
        return [statistics_url, *super().get_urls()]

    def statistics_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Totals across everyone's completed attempts; only shown once there are enough."""
        version = get_object_or_404(InstrumentVersion.objects.select_related("instrument"), pk=pk)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Statistics: {version}",
            "version": version,
            "stats": statistics.version_statistics(version=version),
            "minimum": statistics.MIN_PEOPLE_FOR_STATISTICS,
            "alpha_floor": statistics.ALPHA_FLOOR,
            "correlation_floor": statistics.CORRELATION_FLOOR,
        }
        return TemplateResponse(request, "quiz/admin/version_statistics.html", context)


class VersionInline(admin.TabularInline):
    """The instrument's versions, read-only here; each opens in its own page."""

    model = InstrumentVersion
    fields = ("number", "status", "published_at")
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "live_version")
    search_fields = ("name", "slug")
    inlines = (VersionInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The live quiz is found by its slug; renaming the slug would take it offline.
        return ("slug",) if obj is not None else ()

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return {} if obj is not None else {"slug": ("name",)}

    @admin.display(description="live version")
    def live_version(self, obj: Instrument) -> str:
        live = obj.versions.published().first()
        return f"Version {live.number}" if live else "None yet"
