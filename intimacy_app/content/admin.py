"""Content editing in the admin: what the "Content editors" group works with."""

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.db.models import Count, Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from intimacy_app.content.models import (
    VERIFY_EVERY,
    Capacity,
    CrisisLine,
    Feeling,
    Pattern,
    Prompt,
    Source,
)
from intimacy_app.content.services import content_changed

# Single-line fields whose text runs to a sentence or two: edited in a box that shows it all.
SHORT_TEXT = forms.Textarea(attrs={"rows": 3, "cols": 80})
LONG_TEXT = forms.Textarea(attrs={"rows": 10, "cols": 80})


class ContentAdmin(admin.ModelAdmin):
    """Every save or delete in the content admin tells the site's cached pages it changed."""

    # Fields, by name, edited in a box that shows all their text.
    text_boxes: ClassVar[dict[str, forms.Widget]] = {}

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.text_boxes:
            kwargs["widget"] = self.text_boxes[db_field.name]
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        content_changed()

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)  # links and inline prompts
        content_changed()

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        content_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        content_changed()


class TeachingAdmin(ContentAdmin):
    """Patterns and capacities: what a reader learns from, with a link to the page they read."""

    @admin.display(description="on the site")
    def page_link(self, obj: Pattern | Capacity) -> str:
        return format_html('<a href="{}">View on site</a>', obj.get_absolute_url())


class PromptInline(admin.TabularInline):
    model = Prompt
    extra = 1
    fields = ("text", "slug", "order", "is_published")
    verbose_name = "question to sit with"
    verbose_name_plural = "questions to sit with"


class PatternPromptInline(PromptInline):
    fk_name = "pattern"
    exclude = ("capacity",)


class CapacityPromptInline(PromptInline):
    fk_name = "capacity"
    exclude = ("pattern",)


@admin.register(Pattern)
class PatternAdmin(TeachingAdmin):
    text_boxes: ClassVar[dict[str, forms.Widget]] = {
        "summary": SHORT_TEXT,
        **dict.fromkeys(Pattern.SECTIONS, LONG_TEXT),
    }
    list_display = (
        "name",
        "evidence",
        "order",
        "is_published",
        "capacity_count",
        "updated_at",
        "page_link",
    )
    list_editable = ("order", "is_published")
    list_filter = ("is_published", "evidence", "capacities")
    search_fields = ("name", "summary", "inside", "outside", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("capacities", "sources")
    inlines = (PatternPromptInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "summary", "evidence", "order", "is_published")}),
        ("The page, section by section", {"fields": Pattern.SECTIONS}),
        (None, {"fields": ("capacities", "sources")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Pattern]:
        return super().get_queryset(request).annotate(capacity_total=Count("capacities"))

    @admin.display(description="capacities", ordering="capacity_total")
    def capacity_count(self, obj: Pattern) -> int:
        return obj.capacity_total  # type: ignore[attr-defined]


@admin.register(Capacity)
class CapacityAdmin(TeachingAdmin):
    text_boxes: ClassVar[dict[str, forms.Widget]] = {
        "summary": SHORT_TEXT,
        **dict.fromkeys(Capacity.SECTIONS, LONG_TEXT),
    }
    list_display = ("name", "evidence", "order", "is_published", "updated_at", "page_link")
    list_editable = ("order", "is_published")
    list_filter = ("is_published", "evidence", "patterns")
    search_fields = ("name", "summary", "description", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("sources",)
    inlines = (CapacityPromptInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "summary", "evidence", "order", "is_published")}),
        ("The page, section by section", {"fields": Capacity.SECTIONS}),
        (None, {"fields": ("sources",)}),
    )


@admin.register(Prompt)
class PromptAdmin(ContentAdmin):
    list_display = ("text", "pattern", "capacity", "order", "is_published")
    list_editable = ("order", "is_published")
    list_filter = ("is_published", "pattern", "capacity")
    list_select_related = ("pattern", "capacity")
    search_fields = ("text", "slug")
    autocomplete_fields = ("pattern", "capacity")
    text_boxes: ClassVar[dict[str, forms.Widget]] = {"text": SHORT_TEXT}


@admin.register(Feeling)
class FeelingAdmin(ContentAdmin):
    list_display = ("name", "group", "slug", "order", "is_published")
    list_editable = ("order", "is_published")
    list_filter = ("group", "is_published")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Source)
class SourceAdmin(ContentAdmin):
    list_display = ("title", "authors", "year", "kind", "checked", "order", "is_published")
    list_editable = ("order", "is_published")
    list_filter = ("checked", "kind", "is_published")
    search_fields = ("title", "authors", "note", "slug")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("cited_by",)
    fields = (
        "title",
        "slug",
        "authors",
        "year",
        "kind",
        "url",
        "checked",
        "cited_by",
        "note",
        "order",
        "is_published",
    )
    text_boxes: ClassVar[dict[str, forms.Widget]] = {"title": SHORT_TEXT}


class NeedsCheckFilter(admin.SimpleListFilter):
    """Lines nobody has checked against the service's own pages for over a year."""

    title = "last check"
    parameter_name = "check"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("due", "Older than a year: check again"), ("fresh", "Checked within a year")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        cutoff = timezone.localdate() - VERIFY_EVERY
        if self.value() == "due":
            return queryset.filter(last_verified__lt=cutoff)
        if self.value() == "fresh":
            return queryset.filter(last_verified__gte=cutoff)
        return queryset


@admin.register(CrisisLine)
class CrisisLineAdmin(ContentAdmin):
    list_display = (
        "country_name",
        "service",
        "kind",
        "phone",
        "text",
        "last_verified",
        "check_status",
        "is_published",
    )
    list_filter = (NeedsCheckFilter, "kind", "country_name", "is_published")
    search_fields = ("country", "country_name", "service", "phone")
    readonly_fields = ("check_status",)
    fields = (
        ("country", "country_name"),
        "kind",
        "service",
        ("phone", "text"),
        "hours",
        "url",
        ("last_verified", "check_status"),
        "checked_against",
        "order",
        "is_published",
    )

    @admin.display(description="check")
    def check_status(self, obj: CrisisLine) -> str:
        if obj.last_verified is None:
            return "Not checked yet"
        if obj.is_stale(timezone.localdate()):
            days = (timezone.localdate() - obj.last_verified) // dt.timedelta(days=1)
            return f"Older than a year ({days} days): check it against the service's own pages"
        return "Checked within the last year"
