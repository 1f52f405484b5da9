"""A journal entry: one moment the urge to withdraw fired, as its owner remembers it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from intimacy_app.content.models import Capacity, Feeling, Pattern
from journal.fields import EncryptedTextField

TEXT_MAX_LENGTH = 4000
# A phone's clock and ours may disagree a little; anything later than this is a mistake.
FUTURE_SKEW = timedelta(minutes=10)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
# How long a deleted entry can be brought back; after that it is purged for good.
UNDO_WINDOW = timedelta(minutes=10)
ENCRYPTED_FIELDS = ("situation", "body", "story", "next_time_note", "follow_up_note")
# What a member writes in an entry, in the order the form asks it; the form and the CSV share it.
MEMBER_FIELDS = (
    "occurred_at",
    "with_whom",
    "situation",
    "urge_strength",
    "body",
    "story",
    "action",
    "patterns",
    "feelings",
    "alarm_check",
    "next_time_capacity",
    "next_time_note",
    "follows_up",
    "tried",
    "follow_up_note",
)


class EntryQuerySet(models.QuerySet["Entry"]):
    def owned_by(self, user: AbstractBaseUser | AnonymousUser) -> EntryQuerySet:
        """The member's entries, without those deleted (and waiting to be purged)."""
        return self.held_by(user).filter(deleted_at__isnull=True)

    def held_by(self, user: AbstractBaseUser | AnonymousUser) -> EntryQuerySet:
        """Every row of the member's journal, deleted ones included: for writes only."""
        # An anonymous visitor owns nothing (and has no pk to match).
        return self.filter(owner_id=user.pk) if user.is_authenticated else self.none()

    def undoable(self, now: datetime) -> EntryQuerySet:
        """Entries deleted recently enough to be brought back."""
        return self.filter(deleted_at__gt=now - UNDO_WINDOW)

    def expired(self, now: datetime) -> EntryQuerySet:
        """Entries deleted longer ago than the undo window: to be purged."""
        return self.filter(deleted_at__lte=now - UNDO_WINDOW)

    def newest_first(self) -> EntryQuerySet:
        return self.order_by("-occurred_at", "-created_at")


class Entry(models.Model):
    """One withdrawal-reflex moment. Only what was happening is required."""

    class WithWhom(models.TextChoices):
        PARTNER = "partner", "A partner"
        DATE = "date", "A date"
        FRIEND = "friend", "A friend"
        FAMILY = "family", "Family"
        COLLEAGUE = "colleague", "A colleague"
        OTHER = "other", "Someone else"

    class Action(models.TextChoices):
        WITHDREW = "withdrew", "I withdrew"
        PARTLY = "partly", "Partly"
        STAYED = "stayed", "I stayed"

    class AlarmCheck(models.TextChoices):
        OLD_ALARM = "old_alarm", "An old alarm"
        REAL_DANGER = "real_danger", "Real danger"
        NOT_SURE = "not_sure", "Not sure"

    class Tried(models.TextChoices):
        YES = "yes", "Yes"
        PARTLY = "partly", "Partly"
        NO = "no", "No"
        NOT_YET = "not_yet", "Not yet"

    # Generated in Python so the encryption can bind text to the row before it is inserted.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    occurred_at = models.DateTimeField("when it happened", default=timezone.now)
    with_whom = models.CharField("with whom", max_length=10, choices=WithWhom, blank=True)
    situation = EncryptedTextField(
        "what was happening", max_length=TEXT_MAX_LENGTH, blank=False, owner_field="owner"
    )
    urge_strength = models.PositiveSmallIntegerField(
        "how strong the urge to pull away was",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    body = EncryptedTextField(
        "what it felt like in the body", max_length=TEXT_MAX_LENGTH, owner_field="owner"
    )
    story = EncryptedTextField(
        "the story the mind told", max_length=TEXT_MAX_LENGTH, owner_field="owner"
    )
    action = models.CharField("what I did", max_length=10, choices=Action, blank=True)
    patterns = models.ManyToManyField(
        Pattern, blank=True, related_name="+", verbose_name="withdrawal patterns"
    )
    feelings = models.ManyToManyField(Feeling, blank=True, related_name="+")
    alarm_check = models.CharField(
        "old alarm or real danger?", max_length=12, choices=AlarmCheck, blank=True
    )
    next_time_capacity = models.ForeignKey(
        Capacity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="what I'd try next time",
    )
    next_time_note = EncryptedTextField(
        "next time, in my words", max_length=TEXT_MAX_LENGTH, owner_field="owner"
    )
    follows_up = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text="The earlier entry whose plan this entry reports on.",
    )
    tried = models.CharField("did I try it?", max_length=8, choices=Tried, blank=True)
    follow_up_note = EncryptedTextField(
        "how it went", max_length=TEXT_MAX_LENGTH, owner_field="owner"
    )
    # The hidden token of the form that created the entry: a second POST of the same form (a
    # double click, a retry after a timeout) finds this entry instead of making another.
    submission_token = models.UUIDField(null=True, blank=True, editable=False)
    # The id this entry was first written under, in another journal, when an import could not
    # keep it as its own (someone else's entry has it). An entry's identity across exports and
    # imports is `origin` or, for the rest, its own id: an import adds only entries whose
    # identity this journal does not hold yet.
    origin = models.UUIDField(null=True, blank=True, editable=False)
    # Set by the services (not auto_now) so an import keeps the original timestamps.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set when the member deletes the entry: it then stays out of every read (lists, search,
    # insights, exports) and can be brought back for UNDO_WINDOW, after which it is purged.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entries"
        ordering = ("-occurred_at", "-created_at")
        indexes = [
            models.Index(fields=["owner", "-occurred_at"], name="entry_owner_occurred"),
            # The member's latest entry by when it was written (the plan the new-entry form and
            # the member home ask about): without it PostgreSQL sorts the whole journal.
            models.Index(fields=["owner", "-created_at"], name="entry_owner_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(urge_strength__isnull=True) | Q(urge_strength__lte=10),
                name="entry_urge_strength_0_to_10",
            ),
            models.CheckConstraint(
                condition=~Q(follows_up=models.F("id")), name="entry_does_not_follow_itself"
            ),
            models.UniqueConstraint(
                fields=["owner", "submission_token"], name="entry_one_per_form_submission"
            ),
            models.UniqueConstraint(fields=["owner", "origin"], name="entry_one_per_origin"),
        ]

    def __str__(self) -> str:
        # Never the words: this string can reach logs and admin pages.
        return f"Journal entry {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("journal:detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.occurred_at is not None:
            if self.occurred_at > timezone.now() + FUTURE_SKEW:
                raise ValidationError(
                    {"occurred_at": "That time has not happened yet. Please check the date."}
                )
            if self.occurred_at < EARLIEST:
                raise ValidationError(
                    {"occurred_at": "That is before 1900. Please check the year."}
                )
        earlier = self.follows_up if self.follows_up_id is not None else None
        if earlier is not None and (earlier.pk == self.pk or earlier.owner_id != self.owner_id):
            raise ValidationError({"follows_up": "That earlier entry could not be found."})

    @property
    def has_plan(self) -> bool:
        """Whether this entry says what to try next time."""
        return self.next_time_capacity_id is not None or bool(self.next_time_note)

    @property
    def has_follow_up(self) -> bool:
        return bool(self.follows_up_id or self.tried or self.follow_up_note)

    @property
    def unreadable_fields(self) -> list[str]:
        """Names of the text fields that could not be decrypted."""
        return [
            name for name in ENCRYPTED_FIELDS if getattr(getattr(self, name), "unreadable", False)
        ]
