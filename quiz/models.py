"""The quiz's data: versioned instruments and their items, attempts, answers and stored scores,
each version's frozen reference figures, and the change verdicts once shown."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from intimacy_app.content.models import Pattern
from quiz.scoring import SCALE_MAX, SCALE_MIN, Band, Verdict

# The instrument /quiz/ offers. Editors can draft others in the admin without them going live.
PRIMARY_INSTRUMENT_SLUG = "withdrawal-patterns"


class Instrument(models.Model):
    """A questionnaire; what people answer is always one of its versions."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class InstrumentVersionQuerySet(models.QuerySet["InstrumentVersion"]):
    def published(self) -> InstrumentVersionQuerySet:
        return self.filter(status=InstrumentVersion.Status.PUBLISHED)


class InstrumentVersion(models.Model):
    """One fixed wording of an instrument: its items, scale labels and band thresholds.

    Once anyone has answered it, it is frozen so that every stored result keeps meaning what it
    meant; changes go into a new draft version.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    # Everything that gives an answer or a score its meaning; none of it may change once frozen.
    FROZEN_FIELDS: ClassVar[tuple[str, ...]] = (
        "instrument",
        "instruction",
        "items_per_step",
        "band_some_from",
        "band_strong_from",
        "scale_label_1",
        "scale_label_2",
        "scale_label_3",
        "scale_label_4",
        "scale_label_5",
    )

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    instruction = models.CharField(
        max_length=300,
        blank=True,
        help_text="Shown above the statements: who to think of and over what time, so that a "
        "retake asks about the same kind of stretch.",
    )
    items_per_step = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="How many statements each page of the quiz shows.",
    )
    band_some_from = models.PositiveSmallIntegerField(
        "“some” from",
        default=40,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="A pattern scoring at least this (out of 100) shows up “some”.",
    )
    band_strong_from = models.PositiveSmallIntegerField(
        "“strong” from",
        default=70,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text="A pattern scoring at least this (out of 100) shows up “strongly”.",
    )
    scale_label_1 = models.CharField("label for 1", max_length=40, default="Not like me")
    scale_label_2 = models.CharField("label for 2", max_length=40, default="A little like me")
    scale_label_3 = models.CharField("label for 3", max_length=40, default="Somewhat like me")
    scale_label_4 = models.CharField("label for 4", max_length=40, default="Mostly like me")
    scale_label_5 = models.CharField("label for 5", max_length=40, default="Very much like me")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Where the reference figures (ReferenceFigure) come from. Zero people: the shipped
    # defaults, until enough people's first attempts exist; then they are computed once from
    # those and fixed for good, so a change judged against them is judged the same way forever.
    reference_source = models.TextField("where they come from", blank=True, editable=False)
    reference_people = models.PositiveIntegerField(
        "people they were computed from", default=0, editable=False
    )
    reference_fixed_at = models.DateTimeField("computed on", null=True, blank=True, editable=False)

    objects = InstrumentVersionQuerySet.as_manager()

    class Meta:
        ordering = ("instrument", "-number")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "number"], name="quiz_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["instrument"],
                condition=Q(status="published"),
                name="quiz_one_published_version_per_instrument",
                violation_error_message="An instrument has at most one published version.",
            ),
            models.CheckConstraint(
                condition=Q(band_some_from__gt=0)
                & Q(band_some_from__lt=models.F("band_strong_from"))
                & Q(band_strong_from__lte=100),
                name="quiz_version_bands_in_order",
                violation_error_message="“Some” must start below “strong”, both within 1-100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.name}, version {self.number} ({self.get_status_display()})"

    @property
    def scale_labels(self) -> list[str]:
        return [getattr(self, f"scale_label_{point}") for point in range(SCALE_MIN, SCALE_MAX + 1)]

    @property
    def scale_choices(self) -> list[tuple[int, str]]:
        return list(zip(range(SCALE_MIN, SCALE_MAX + 1), self.scale_labels, strict=True))

    def is_frozen(self) -> bool:
        """Whether anyone has answered this version: then nothing that gives meaning may change."""
        return Answer.objects.filter(attempt__version=self).exists()


BAND_LABELS = {
    Band.LOW: "In the background",
    Band.SOME: "Shows up at times",
    Band.STRONG: "Shows up strongly",
}


class ReferenceFigure(models.Model):
    """A version's reference spread (SD, on 0-100) and reliability for one score: what its
    uncertainty range and its reliable-change threshold are computed from.

    `pattern_slug` names the pattern; empty, it is the overall score. See
    InstrumentVersion.reference_source for where the figures come from.
    """

    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.CASCADE, related_name="reference_figures"
    )
    pattern_slug = models.SlugField(max_length=60, blank=True)
    sd = models.FloatField("SD", validators=[MinValueValidator(0)])
    reliability = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])

    class Meta:
        ordering = ("version", "pattern_slug")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "pattern_slug"], name="quiz_one_reference_per_score"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pattern_slug or 'overall'}: SD {self.sd:.1f}, r {self.reliability:.2f}"


class Item(models.Model):
    """A first-person statement rated 1-5: one pattern's, perhaps reverse-keyed, or the one
    about what pulling away costs, which is not scored but can suggest support."""

    class Kind(models.TextChoices):
        PATTERN = "pattern", "Scored for its pattern"
        IMPACT = "impact", "What it costs in daily life (not scored)"

    version = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PATTERN)
    pattern = models.ForeignKey(
        Pattern, null=True, blank=True, on_delete=models.PROTECT, related_name="quiz_items"
    )
    text = models.CharField("statement", max_length=300)
    reverse_keyed = models.BooleanField(
        default=False,
        help_text="Tick when agreeing means the pattern is weaker (it is scored as 6 minus the "
        "answer).",
    )
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")

    class Meta:
        ordering = ("order", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="pattern", pattern__isnull=False)
                | Q(kind="impact", pattern__isnull=True, reverse_keyed=False),
                name="quiz_item_pattern_iff_scored",
                violation_error_message="A scored statement needs its pattern; the statement "
                "about daily life has none and is not reverse-keyed.",
            )
        ]

    def __str__(self) -> str:
        return self.text


class Focus(models.TextChoices):
    """Who a person had in mind while answering; it changes the wording of their results."""

    PARTNER = "partner", "A partner, or someone I'm dating"
    FRIENDS = "friends", "Friends"
    FAMILY = "family", "Family"
    GENERAL = "general", "Closeness in general"


FOCUS_PHRASES = {
    Focus.PARTNER: "with a partner",
    Focus.FRIENDS: "with friends",
    Focus.FAMILY: "with family",
    Focus.GENERAL: "as people get close",
}


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def completed(self) -> AttemptQuerySet:
        return self.filter(completed_at__isnull=False)

    def unfinished(self) -> AttemptQuerySet:
        return self.filter(completed_at__isnull=True)


class Attempt(models.Model):
    """One sitting of one instrument version, by a member or by a visitor's browser session.

    The id is a random UUID: it appears in the results address, which must not be guessable.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="attempts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    focus = models.CharField(max_length=10, choices=Focus.choices, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    overall_score = models.FloatField(
        null=True, blank=True, help_text="0-100 across every scored statement."
    )
    hard_to_read = models.BooleanField(
        default=False, help_text="Nearly every answer was the same point of the scale."
    )

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ("-started_at",)
        indexes = [models.Index(fields=["user", "completed_at"], name="quiz_attempt_user_done")]

    def __str__(self) -> str:
        return f"Attempt {self.pk}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def track(self) -> str:
        """Who the person had in mind, as a track: results are compared only within one (and
        one version). Not choosing is answering about closeness in general."""
        return self.focus or Focus.GENERAL

    @property
    def focus_label(self) -> str:
        return Focus(self.track).label

    @property
    def focus_phrase(self) -> str:
        return FOCUS_PHRASES[Focus(self.track)]


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)]
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "item"], name="quiz_one_answer_per_item"),
            models.CheckConstraint(
                condition=Q(value__gte=SCALE_MIN, value__lte=SCALE_MAX),
                name="quiz_answer_on_the_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class PatternScore(models.Model):
    """A pattern's score in a completed attempt, stored so later edits never change it.

    The pattern's slug and name are copied in: renaming or removing a pattern in the library
    leaves past results reading exactly as they did.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="scores")
    pattern = models.ForeignKey(
        Pattern, null=True, blank=True, on_delete=models.SET_NULL, related_name="quiz_scores"
    )
    pattern_slug = models.SlugField(max_length=60)
    pattern_name = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField(
        help_text="1 is the strongest pattern; equal scores share a rank (from version 2)."
    )
    mean = models.FloatField(help_text="Mean keyed answer, 1-5.")
    score = models.FloatField(help_text="0-100.")
    band = models.CharField(
        max_length=10, choices=[(band.value, label) for band, label in BAND_LABELS.items()]
    )
    item_count = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ("attempt", "rank")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "pattern_slug"], name="quiz_one_score_per_pattern"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pattern_name}: {self.score:.0f}"


VERDICT_LABELS = {
    Verdict.EASED: "A real change: it has eased",
    Verdict.GREW: "A real change: it shows up more",
    Verdict.WITHIN: "Within the usual wobble",
    Verdict.TOO_SOON: "Too soon to judge",
}


class ChangeVerdict(models.Model):
    """How one score of a completed attempt moved from an earlier attempt on the same track,
    judged when the attempt was scored and stored, so that it never flips afterwards.

    `since` says which earlier attempt: the one just before, or the first. `pattern_slug`
    empty is the overall score.
    """

    class Since(models.TextChoices):
        LAST = "last", "Since last time"
        FIRST = "first", "Since the first time"

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="verdicts")
    baseline = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="+")
    since = models.CharField(max_length=5, choices=Since.choices)
    pattern_slug = models.SlugField(max_length=60, blank=True)
    amount = models.FloatField(help_text="The later score minus the earlier, on 0-100.")
    threshold = models.FloatField(help_text="The smallest change larger than measurement error.")
    verdict = models.CharField(
        max_length=10, choices=[(verdict.value, label) for verdict, label in VERDICT_LABELS.items()]
    )

    class Meta:
        ordering = ("attempt", "since", "pattern_slug")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "since", "pattern_slug"], name="quiz_one_verdict_per_score"
            )
        ]

    def __str__(self) -> str:
        since = self.get_since_display().lower()
        return f"{self.pattern_slug or 'overall'} {since}: {self.verdict}"
