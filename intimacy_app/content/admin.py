"""Content editing in the admin: what the "Content editors" group works with."""

from typing import Any

from django.contrib import admin
from django.db.models import Count, Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from intimacy_app.content.models import Capacity, Feeling, Pattern, Prompt, Source
from intimacy_app.content.services import content_changed


class ContentAdmin(admin.ModelAdmin):
    """Every save or delete in the content admin tells the site's cached pages it changed."""

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


class PromptInline(admin.TabularInline):
    model = Prompt
    extra = 1
    fields = ("text", "slug", "order", "is_published")


class PatternPromptInline(PromptInline):
    fk_name = "pattern"
    exclude = ("capacity",)


class CapacityPromptInline(PromptInline):
    fk_name = "capacity"
    exclude = ("pattern",)


@admin.register(Pattern)
class PatternAdmin(ContentAdmin):
    list_display = ("name", "slug", "order", "is_published", "capacity_count", "updated_at")
    list_editable = ("order", "is_published")
    list_filter = ("is_published", "capacities")
    search_fields = ("name", "summary", "inside", "outside", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("capacities", "sources")
    inlines = (PatternPromptInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "summary", "order", "is_published")}),
        ("The pattern", {"fields": ("inside", "outside", "origins", "protects", "helps")}),
        ("Links", {"fields": ("capacities", "sources")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Pattern]:
        return super().get_queryset(request).annotate(capacity_total=Count("capacities"))

    @admin.display(description="capacities", ordering="capacity_total")
    def capacity_count(self, obj: Pattern) -> int:
        return obj.capacity_total  # type: ignore[attr-defined]


@admin.register(Capacity)
class CapacityAdmin(ContentAdmin):
    list_display = ("name", "slug", "order", "is_published", "updated_at")
    list_editable = ("order", "is_published")
    list_filter = ("is_published", "patterns")
    search_fields = ("name", "summary", "description", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("sources",)
    inlines = (CapacityPromptInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "summary", "order", "is_published")}),
        ("The capacity", {"fields": ("description", "practice")}),
        ("Links", {"fields": ("sources",)}),
    )


@admin.register(Prompt)
class PromptAdmin(ContentAdmin):
    list_display = ("text", "pattern", "capacity", "order", "is_published")
    list_editable = ("order", "is_published")
    list_filter = ("is_published", "pattern", "capacity")
    list_select_related = ("pattern", "capacity")
    search_fields = ("text", "slug")
    autocomplete_fields = ("pattern", "capacity")


@admin.register(Feeling)
class FeelingAdmin(ContentAdmin):
    list_display = ("name", "group", "slug", "order", "is_published")
    list_editable = ("order", "is_published")
    list_filter = ("group", "is_published")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Source)
class SourceAdmin(ContentAdmin):
    list_display = ("title", "authors", "year", "kind", "order", "is_published")
    list_editable = ("order", "is_published")
    list_filter = ("kind", "is_published")
    search_fields = ("title", "authors", "note", "slug")
    prepopulated_fields = {"slug": ("title",)}
