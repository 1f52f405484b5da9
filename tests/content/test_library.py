"""The shipped content library: complete enough to use, and safe to load again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from intimacy_app.content.models import (
    Capacity,
    CrisisLine,
    Evidence,
    Feeling,
    Pattern,
    Prompt,
    Source,
)
from intimacy_app.content.services import LoadReport, library_load

MODELS = (Source, Capacity, Pattern, Prompt, Feeling, CrisisLine)

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list[tuple[object, ...]]]:
    rows: dict[str, list[tuple[object, ...]]] = {}
    for model in MODELS:
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "updated_at"]
        rows[model.__name__] = list(model.objects.order_by("pk").values_list(*fields))
    rows["links"] = sorted(
        (p.slug, c.slug) for p in Pattern.objects.all() for c in p.capacities.all()
    ) + sorted((p.slug, s.slug) for p in Pattern.objects.all() for s in p.sources.all())
    return rows


def test_the_library_has_the_patterns_capacities_and_prompts_the_design_asks_for(
    library: LoadReport,
) -> None:
    assert Pattern.objects.published().count() >= 10
    assert Capacity.objects.published().count() >= 8
    for pattern in Pattern.objects.all():
        assert pattern.prompts.count() >= 3, pattern.slug
        assert pattern.capacities.exists(), pattern.slug
    assert set(Capacity.objects.values_list("pk", flat=True)) == set(
        Pattern.capacities.through.objects.values_list("capacity_id", flat=True)
    ), "every capacity is linked from at least one pattern"


def test_feelings_are_grouped_with_the_tender_ones_the_articles_single_out(
    library: LoadReport,
) -> None:
    groups = set(Feeling.objects.values_list("group", flat=True))
    assert groups == {choice.value for choice in Feeling.Group}
    tender = set(Feeling.objects.filter(group=Feeling.Group.TENDER).values_list("name", flat=True))
    assert {"tenderness", "longing", "need", "gratitude"} <= tender


def test_sources_include_the_papers_the_articles_cite(library: LoadReport) -> None:
    authors = " ".join(Source.objects.values_list("authors", flat=True))
    for name in ("Bowlby", "Holmes", "Mikulincer", "Cozolino", "van der Kolk"):
        assert name in authors
    assert Source.objects.filter(kind=Source.Kind.ARTICLE).count() >= 5
    assert Pattern.objects.filter(sources__isnull=False).distinct().count() >= 1


def test_loading_the_library_twice_changes_nothing(library: LoadReport) -> None:
    assert library.changed_anything
    before = _snapshot()

    again = library_load()

    assert not again.changed_anything
    assert _snapshot() == before


def test_a_reload_keeps_an_editors_change_unless_asked_to_update(library: LoadReport) -> None:
    pattern = Pattern.objects.first()
    assert pattern is not None
    original = pattern.summary
    Pattern.objects.filter(pk=pattern.pk).update(summary="Edited by an editor.")

    library_load()
    assert Pattern.objects.get(pk=pattern.pk).summary == "Edited by an editor."

    report = library_load(update=True)
    assert Pattern.objects.get(pk=pattern.pk).summary == original
    assert report.updated == {"patterns": 1}


def test_the_load_content_command_reports_what_it_did() -> None:
    first, second = StringIO(), StringIO()
    call_command("load_content", stdout=first)
    call_command("load_content", stdout=second)
    assert "created" in first.getvalue()
    assert second.getvalue().strip() == "Content library is up to date."


def test_every_source_can_be_followed_or_says_plainly_why_not(library: LoadReport) -> None:
    for source in Source.objects.all():
        assert "unattributed" not in f"{source.title} {source.authors}".lower(), source.slug
        if source.checked == Source.Checked.CHECKED:
            assert source.authors and source.year and source.url.startswith("https://"), source.slug
        if source.checked == Source.Checked.SECONDHAND:
            assert source.cited_by is not None, source.slug


def test_every_studied_or_clinical_page_rests_on_at_least_one_checked_source(
    library: LoadReport,
) -> None:
    for item in [*Pattern.objects.all(), *Capacity.objects.all()]:
        if item.evidence == Evidence.IDEA:
            continue
        checked = item.sources.filter(checked=Source.Checked.CHECKED)
        assert checked.exists(), f"{item.slug} ({item.evidence}) has no checked source"


def test_origins_do_not_point_to_childhood_alone(library: LoadReport) -> None:
    later = ("later", "adult", "temperament", "culture", "stress", "since", "online", "workplace")
    for pattern in Pattern.objects.all():
        assert any(word in pattern.origins.lower() for word in later), pattern.slug
