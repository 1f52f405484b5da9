"""The content library that the quiz, the journal and the public pages all draw on."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst

# A crisis line not checked against its service's own pages for this long is flagged in the admin.
VERIFY_EVERY = dt.timedelta(days=365)


class PublishedQuerySet(models.QuerySet):
    """Chainable reads shared by every content model."""

    def published(self) -> PublishedQuerySet:
        return self.filter(is_published=True)


class ContentItem(models.Model):
    """What every piece of content has: a slug, a place in the order, a published flag."""

    slug = models.SlugField(max_length=60, unique=True)
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")
    is_published = models.BooleanField(
        "published", default=True, help_text="Unpublished items are hidden from the site."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ("order", "pk")


class Evidence(models.TextChoices):
    """How well supported a pattern or capacity is, in a reader's words (explained on the
    "about the evidence" page)."""

    STUDIED = "studied", "Well studied"
    CLINICAL = "clinical", "Seen in clinical practice"
    IDEA = "idea", "An idea worth trying"


class Source(ContentItem):
    """An article, book or paper the content draws on."""

    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        BOOK = "book", "Book"
        PAPER = "paper", "Paper"

    class Checked(models.TextChoices):
        CHECKED = "checked", "Checked: we found the work itself"
        SECONDHAND = "secondhand", "Cited by another source, not independently checked"
        BACKGROUND = "background", "Background reading without a named author or public address"

    title = models.CharField(max_length=300)
    authors = models.CharField("author or publisher", max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField("link", max_length=500, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    checked = models.CharField(
        "how it was checked",
        max_length=10,
        choices=Checked.choices,
        help_text="Only a checked source may carry a specific claim on its own.",
    )
    cited_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="citations",
        help_text="For a source we know only from another one's reference list.",
    )
    note = models.TextField(blank=True, help_text="What this source contributes, in a sentence.")

    objects = PublishedQuerySet.as_manager()

    class Meta(ContentItem.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    @property
    def citation(self) -> str:
        parts = [self.authors, f"({self.year})" if self.year else "", self.title]
        return " ".join(part for part in parts if part)


class Teaching(ContentItem):
    """A pattern or a capacity: the pages a reader learns from, in titled sections."""

    SECTIONS: tuple[str, ...] = ()
    URL_NAME = ""

    name = models.CharField(max_length=80)
    summary = models.CharField(max_length=300)
    evidence = models.CharField(
        "how well supported", max_length=10, choices=Evidence.choices, default=Evidence.CLINICAL
    )

    class Meta(ContentItem.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(self.URL_NAME, kwargs={"slug": self.slug})

    def sections(self) -> list[tuple[str, str]]:
        """(heading, text) in reading order; the heading is the field's admin label, so the
        editor and the reader see the same words."""
        fields = [self._meta.get_field(name) for name in self.SECTIONS]
        return [
            (capfirst(str(field.verbose_name)), getattr(self, field.name))
            for field in fields
            if isinstance(field, models.Field)
        ]


class Capacity(Teaching):
    """Something a person can build that makes a withdrawal pattern less necessary."""

    description = models.TextField(
        "what it is", help_text="What it is and why it helps. Blank lines part paragraphs."
    )
    practice = models.TextField(
        "how to practise it", help_text="Concrete steps, one paragraph each."
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="capacities", verbose_name="where this comes from"
    )

    SECTIONS = ("description", "practice")
    URL_NAME = "content:capacity_detail"

    objects = PublishedQuerySet.as_manager()

    class Meta(Teaching.Meta):
        verbose_name_plural = "capacities"


class Pattern(Teaching):
    """A withdrawal pattern: a way of pulling away when closeness grows."""

    inside = models.TextField("what it can feel like from inside")
    outside = models.TextField("what other people see")
    origins = models.TextField("where it often comes from")
    protects = models.TextField("what it is protecting")
    helps = models.TextField("what helps")
    capacities = models.ManyToManyField(
        Capacity, blank=True, related_name="patterns", verbose_name="capacities that help"
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="patterns", verbose_name="where this comes from"
    )

    SECTIONS = ("inside", "outside", "origins", "protects", "helps")
    URL_NAME = "content:pattern_detail"

    objects = PublishedQuerySet.as_manager()

    class Meta(Teaching.Meta):
        pass


class Prompt(ContentItem):
    """A reflection question tied to one pattern or one capacity."""

    text = models.CharField("question", max_length=300)
    pattern = models.ForeignKey(
        Pattern, null=True, blank=True, on_delete=models.CASCADE, related_name="prompts"
    )
    capacity = models.ForeignKey(
        Capacity, null=True, blank=True, on_delete=models.CASCADE, related_name="prompts"
    )

    objects = PublishedQuerySet.as_manager()

    class Meta(ContentItem.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(pattern__isnull=False, capacity__isnull=True)
                | Q(pattern__isnull=True, capacity__isnull=False),
                name="prompt_belongs_to_pattern_or_capacity",
                violation_error_message="A prompt belongs to a pattern or a capacity, not both.",
            )
        ]

    def __str__(self) -> str:
        return self.text


class Feeling(ContentItem):
    """A feeling word the journal offers, in a group."""

    class Group(models.TextChoices):
        TENDER = "tender", "Tender"
        AFRAID = "afraid", "Afraid"
        ASHAMED = "ashamed", "Ashamed"
        OVERWHELMED = "overwhelmed", "Overwhelmed"
        IRRITATED = "irritated", "Irritated"
        NUMB = "numb", "Numb"

    name = models.CharField(max_length=40)
    group = models.CharField(max_length=12, choices=Group.choices)

    objects = PublishedQuerySet.as_manager()

    class Meta(ContentItem.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class CrisisLine(models.Model):
    """A phone or text line a visitor in one country can reach, checked against the service's
    own published pages on `last_verified`."""

    class Kind(models.TextChoices):
        CRISIS = "crisis", "Crisis and suicide prevention"
        ABUSE = "abuse", "Domestic abuse"

    country = models.CharField(
        max_length=2, help_text="Two-letter ISO 3166 code, for example GB for the United Kingdom."
    )
    country_name = models.CharField(max_length=60)
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.CRISIS)
    service = models.CharField(max_length=120)
    phone = models.CharField("number to call", max_length=40, blank=True)
    text = models.CharField(
        "text line",
        max_length=80,
        blank=True,
        help_text='What to text, shown after "text": 988, or START to 88788.',
    )
    hours = models.CharField(max_length=80, default="24 hours, every day")
    url = models.URLField("web address", max_length=300)
    last_verified = models.DateField(
        help_text="When someone last checked the number and hours on the service's own pages."
    )
    checked_against = models.URLField(
        max_length=300, blank=True, help_text="The page the last check was made against."
    )
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")
    is_published = models.BooleanField("published", default=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ("country_name", "order", "pk")
        constraints = [
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(text=""),
                name="crisis_line_has_a_number_or_text_line",
                violation_error_message="Give a number to call, a text line, or both.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country_name}: {self.service}"

    @property
    def tel(self) -> str:
        """The number as a tel: link wants it: digits and a leading plus only."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")

    def is_stale(self, today: dt.date) -> bool:
        return today - self.last_verified > VERIFY_EVERY
