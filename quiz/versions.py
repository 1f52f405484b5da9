"""Writes for the quiz's versions: the shipped instrument, drafts, publishing, and each
version's reference figures (shipped defaults, then fixed once from people's first attempts).

Every function is keyword-only and atomic; a refused write raises ValidationError with a message
fit to show a person, and leaves nothing half-written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intimacy_app.content.models import Pattern
from intimacy_app.content.services import LoadReport
from quiz import scoring
from quiz.models import (
    PRIMARY_INSTRUMENT_SLUG,
    Instrument,
    InstrumentVersion,
    Item,
    ReferenceFigure,
)
from quiz.selectors.attempts import next_version_number
from quiz.selectors.statistics import first_attempts_of_people, people_answers

DATA_DIR = Path(__file__).resolve().parent / "data"
ITEMS_PATH = DATA_DIR / "items.json"  # version 1, as first shipped: three statements a pattern
# The shipped versions, in order; a fresh install publishes the last. Version 2 (issue 19) gives
# each pattern five statements, two of them reverse-keyed, and asks about the past month.
SHIPPED_VERSIONS = (ITEMS_PATH, DATA_DIR / "items_v2.json")
INSTRUMENT_NAME = "The withdrawal patterns quiz"
# Room for editors to slot new items between the shipped ones without renumbering.
ORDER_GAP = 10


# What a published version needs of every pattern (issue 19): with three statements a score
# moved in steps of 8 and its reliability was about 0.55.
MIN_ITEMS_PER_PATTERN = 5
MIN_REVERSED_PER_PATTERN = 2

# A version's reference figures until REFERENCE_MIN_PEOPLE people have a first attempt at it
# (see version_fix_reference). Stated with their source on the version's admin pages.
REFERENCE_MIN_PEOPLE = 200
DEFAULT_PATTERN_SD = 18.0
DEFAULT_PATTERN_RELIABILITY = 0.67
DEFAULT_OVERALL_SD = 12.0
DEFAULT_OVERALL_RELIABILITY = 0.90
DEFAULT_REFERENCE_SOURCE = (
    "Shipped defaults, used until 200 people have finished this version for the first time. "
    "Each pattern: SD 18 points, about the spread of adult attachment-avoidance scales such as "
    "the ECR-R (Fraley, Waller and Brennan 2000; SD about 1.1 on its 1-7 scale) rescaled to "
    "0-100; reliability 0.67, the Spearman-Brown projection to five statements of the 0.55 "
    "estimated for version 1's three. Overall score: SD 12, what averaging thirteen pattern "
    "scores that correlate about 0.4 leaves of 18; reliability 0.90, the Spearman-Brown figure "
    "for 65 statements whose average correlation is 0.13."
)


def version_assert_editable(*, version: InstrumentVersion) -> None:
    """Refuse any change to a version that has answers: its results must keep their meaning."""
    if version.pk and version.is_frozen():
        raise ValidationError(
            "Version %(number)s already has answers, so its statements, keys, scale and bands "
            "are frozen: changing them would change what past results mean. Use “Make a new "
            "draft version” to start an editable copy.",
            code="frozen",
            params={"number": version.number},
        )


def _assert_publishable(version: InstrumentVersion) -> None:
    if version.status != InstrumentVersion.Status.DRAFT:
        raise ValidationError(
            "Only a draft can be published; version %(number)s is %(status)s.",
            code="not_draft",
            params={"number": version.number, "status": version.get_status_display().lower()},
        )
    scored = version.items.filter(kind=Item.Kind.PATTERN)
    per_pattern = Counter(scored.values_list("pattern__name", flat=True))
    reversed_per_pattern = Counter(
        scored.filter(reverse_keyed=True).values_list("pattern__name", flat=True)
    )
    if not per_pattern:
        raise ValidationError("A version needs statements before it can be published.")
    thin = sorted(
        name
        for name, count in per_pattern.items()
        if count < MIN_ITEMS_PER_PATTERN or reversed_per_pattern[name] < MIN_REVERSED_PER_PATTERN
    )
    if thin:
        raise ValidationError(
            "Each pattern needs at least %(items)s statements, %(reversed)s of them "
            "reverse-keyed, for its score to carry what the results page says about it; "
            "these have fewer: %(patterns)s.",
            code="too_few_items",
            params={
                "items": MIN_ITEMS_PER_PATTERN,
                "reversed": MIN_REVERSED_PER_PATTERN,
                "patterns": ", ".join(thin),
            },
        )
    if version.items.filter(kind=Item.Kind.IMPACT).count() > 1:
        raise ValidationError(
            "A version has at most one statement about what pulling away costs.", code="impact"
        )


@transaction.atomic
def version_publish(*, version: InstrumentVersion) -> InstrumentVersion:
    """Make a draft the live version, retiring the one it replaces."""
    Instrument.objects.select_for_update().get(pk=version.instrument_id)
    version = InstrumentVersion.objects.get(pk=version.pk)
    _assert_publishable(version)
    InstrumentVersion.objects.published().filter(instrument_id=version.instrument_id).update(
        status=InstrumentVersion.Status.RETIRED
    )
    version.status = InstrumentVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    if not version.reference_figures.exists():
        _reference_defaults(version)
    return version


def _reference_defaults(version: InstrumentVersion) -> None:
    """Give a version the shipped reference figures, one per pattern and one overall."""
    slugs = version.items.filter(kind=Item.Kind.PATTERN).values_list("pattern__slug", flat=True)
    ReferenceFigure.objects.bulk_create(
        [
            ReferenceFigure(
                version=version,
                pattern_slug="",
                sd=DEFAULT_OVERALL_SD,
                reliability=DEFAULT_OVERALL_RELIABILITY,
            ),
            *(
                ReferenceFigure(
                    version=version,
                    pattern_slug=slug,
                    sd=DEFAULT_PATTERN_SD,
                    reliability=DEFAULT_PATTERN_RELIABILITY,
                )
                for slug in sorted(set(slugs))
            ),
        ]
    )
    version.reference_source = DEFAULT_REFERENCE_SOURCE
    version.reference_people = 0
    version.save(update_fields=["reference_source", "reference_people"])


@transaction.atomic
def version_new_draft(*, version: InstrumentVersion) -> InstrumentVersion:
    """Start the next version as an editable copy of `version`, items and all."""
    instrument = Instrument.objects.select_for_update().get(pk=version.instrument_id)
    if draft := instrument.versions.filter(status=InstrumentVersion.Status.DRAFT).first():
        raise ValidationError(
            "Version %(number)s is already a draft. Edit or publish it before starting another.",
            code="draft_exists",
            params={"number": draft.number},
        )
    draft = InstrumentVersion.objects.create(
        number=next_version_number(instrument=instrument),
        **{name: getattr(version, name) for name in InstrumentVersion.FROZEN_FIELDS},
    )
    Item.objects.bulk_create(
        Item(
            version=draft,
            kind=item.kind,
            pattern_id=item.pattern_id,
            text=item.text,
            reverse_keyed=item.reverse_keyed,
            order=item.order,
        )
        for item in version.items.all()
    )
    return draft


@transaction.atomic
def instrument_load(*, paths: Sequence[Path] = SHIPPED_VERSIONS) -> LoadReport:
    """Create the shipped versions the instrument does not have yet, and publish the last.

    The file at index i is version i + 1. It is added only while the instrument's newest
    version is the one before it: once editors have made a version of their own with that
    number or later, the instrument is theirs and the file is not read. Running it again
    changes nothing. An earlier shipped version added in the same run goes straight to
    retired, as it would have been had the install been made when it was live.
    """
    report = LoadReport()
    instrument, created = Instrument.objects.get_or_create(
        slug=PRIMARY_INSTRUMENT_SLUG, defaults={"name": INSTRUMENT_NAME}
    )
    report.count(Instrument, created=created, changed=created)
    for number, path in enumerate(paths, start=1):
        if next_version_number(instrument=instrument) != number:
            continue
        version = _load_version(instrument, number, path, report)
        if number < len(paths):
            version.status = InstrumentVersion.Status.RETIRED
            version.save(update_fields=["status"])
        else:
            version_publish(version=version)
    return report


def _load_version(
    instrument: Instrument, number: int, path: Path, report: LoadReport
) -> InstrumentVersion:
    """Version `number` as the file at `path` gives it: a list of statements (version 1), or
    the version's instruction and page size with its statements."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data if isinstance(data, list) else data["items"]
    settings_ = {} if isinstance(data, list) else {k: v for k, v in data.items() if k != "items"}
    slugs = {row["pattern"] for row in rows if "pattern" in row}
    patterns = Pattern.objects.in_bulk(slugs, field_name="slug")
    if missing := sorted(slugs - patterns.keys()):
        raise ValidationError(
            "The quiz measures patterns the library does not have yet (%(missing)s). "
            "Load the library first: manage.py load_content.",
            code="missing_patterns",
            params={"missing": ", ".join(missing)},
        )
    version = InstrumentVersion.objects.create(instrument=instrument, number=number, **settings_)
    report.count(InstrumentVersion, created=True, changed=True)
    Item.objects.bulk_create(
        Item(
            version=version,
            kind=row.get("kind", Item.Kind.PATTERN),
            pattern=patterns[row["pattern"]] if "pattern" in row else None,
            text=row["text"],
            reverse_keyed=row.get("reverse", False),
            order=index * ORDER_GAP,
        )
        for index, row in enumerate(rows, start=1)
    )
    for _ in rows:
        report.count(Item, created=True, changed=True)
    return version


def version_fix_reference(*, version: InstrumentVersion) -> bool:
    """Replace the shipped reference figures with ones computed from people's first attempts,
    once REFERENCE_MIN_PEOPLE of them exist, and fix them for good. True when it did.

    Retakes never count (a person who answered twice would pull the spread toward their own
    answers), nor do staff or visitors (see selectors.first_attempts_of_people). A score whose
    figures cannot be computed keeps its shipped ones. Until there are enough people this costs
    one count, and locks nothing.
    """
    if version.reference_people:
        return False
    if first_attempts_of_people(version=version).count() < REFERENCE_MIN_PEOPLE:
        return False
    with transaction.atomic():
        return _fix_reference(InstrumentVersion.objects.select_for_update().get(pk=version.pk))


def _fix_reference(version: InstrumentVersion) -> bool:
    if version.reference_people:  # another completion got here first
        return False
    data = people_answers(version=version)
    computed = {
        slug: scoring.spread_and_reliability(data.keyed(group))
        for slug, group in data.by_pattern.items()
    }
    computed[""] = scoring.spread_and_reliability(data.keyed(data.items))
    for slug, figures in computed.items():
        if figures is not None:
            sd, reliability = figures
            ReferenceFigure.objects.update_or_create(
                version=version, pattern_slug=slug, defaults={"sd": sd, "reliability": reliability}
            )
    version.reference_people = len(data.rows)
    version.reference_fixed_at = timezone.now()
    version.reference_source = (
        f"Computed once from the first attempts of {len(data.rows)} people (members, staff "
        "left out, one attempt each) and fixed from then on. Each score's SD is the spread of "
        "those people's scores; its reliability is Cronbach's alpha."
    )
    version.save(update_fields=["reference_people", "reference_fixed_at", "reference_source"])
    return True
