"""The content library that the quiz, the journal and the public pages all draw on."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse


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


class Source(ContentItem):
    """An article, book or paper the content draws on."""

    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        BOOK = "book", "Book"
        PAPER = "paper", "Paper"

    title = models.CharField(max_length=300)
    authors = models.CharField("author or publisher", max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField("link", max_length=500, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
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


class Capacity(ContentItem):
    """Something a person can build that makes a withdrawal pattern less necessary."""

    name = models.CharField(max_length=80)
    summary = models.CharField(max_length=300)
    description = models.TextField(
        help_text="What it is and why it helps. Blank lines part paragraphs."
    )
    practice = models.TextField("how to practise", help_text="Concrete steps, one paragraph each.")
    sources = models.ManyToManyField(Source, blank=True, related_name="capacities")

    objects = PublishedQuerySet.as_manager()

    class Meta(ContentItem.Meta):
        verbose_name_plural = "capacities"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("content:capacity_detail", kwargs={"slug": self.slug})


class Pattern(ContentItem):
    """A withdrawal pattern: a way of pulling away when closeness grows."""

    name = models.CharField(max_length=80)
    summary = models.CharField(max_length=300)
    inside = models.TextField("what it looks like from inside")
    outside = models.TextField("what others see")
    origins = models.TextField("where it tends to come from")
    protects = models.TextField("what it protects")
    helps = models.TextField("what helps")
    capacities = models.ManyToManyField(Capacity, blank=True, related_name="patterns")
    sources = models.ManyToManyField(Source, blank=True, related_name="patterns")

    objects = PublishedQuerySet.as_manager()

    class Meta(ContentItem.Meta):
        pass

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("content:pattern_detail", kwargs={"slug": self.slug})


class Prompt(ContentItem):
    """A reflection question tied to one pattern or one capacity."""

    text = models.CharField(max_length=300)
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
