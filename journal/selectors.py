"""Reads of the journal. Every function takes the member and sees only their entries."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Feeling, Pattern, Prompt
from journal.fields import StoredText
from journal.models import ENCRYPTED_FIELDS, Entry, EntryQuerySet
from quiz.selectors.results import strongest_patterns

Member = AbstractBaseUser | AnonymousUser
PAGE_SIZE = 20
PROMPT_LIMIT = 6
GENERAL_PROMPT_LIMIT = 4


@dataclass(frozen=True)
class EntryFilters:
    """What the member narrowed the list to; empty values mean "any"."""

    query: str = ""
    pattern: Pattern | None = None
    with_whom: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return any(
            (self.query, self.pattern, self.with_whom, self.action, self.date_from, self.date_to)
        )


def entries_of(user: Member) -> EntryQuerySet:
    """The member's entries, and nobody else's: where every read of the journal starts."""
    return Entry.objects.owned_by(user)


def entry_get(*, user: Member, pk: uuid.UUID) -> Entry:
    """One of the member's entries with everything its card shows; 404 for anyone else's."""
    queryset = (
        entries_of(user)
        .select_related("next_time_capacity", "follows_up__next_time_capacity")
        .prefetch_related("patterns", "feelings")
    )
    return get_object_or_404(queryset, pk=pk)


def entry_undoable(*, user: Member, pk: str) -> Entry | None:
    """The member's entry `pk` if it was deleted recently enough to be brought back."""
    try:
        key = uuid.UUID(pk)
    except ValueError:
        return None
    return Entry.objects.held_by(user).undoable(timezone.now()).filter(pk=key).first()


def entry_list(*, user: Member, filters: EntryFilters | None = None) -> QuerySet[Entry]:
    """The member's entries, newest first, narrowed by every filter the database can apply.

    Text search is not applied here: the text is encrypted (see `entry_search`).
    """
    filters = filters or EntryFilters()
    entries = entries_of(user).newest_first()
    if filters.pattern is not None:
        entries = entries.filter(patterns=filters.pattern)
    if filters.with_whom:
        entries = entries.filter(with_whom=filters.with_whom)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.date_from:
        entries = entries.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(occurred_at__date__lte=filters.date_to)
    return entries


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def entry_search(*, entries: QuerySet[Entry], query: str) -> list[uuid.UUID]:
    """Ids of `entries` whose text contains every word of `query`, in the queryset's order.

    The text is encrypted at rest, so this reads the candidates' ciphertext in one query and
    decrypts and matches it in Python, field by field, stopping at the field where the last
    missing word turns up. Rows are read as tuples, not models, which keeps 5,000 entries well
    within a second; see the README's Benchmark section for why there is no word index.
    """
    words = _folded(query).split()
    if not words:
        return list(entries.values_list("pk", flat=True))
    stored = StoredText(Entry, ENCRYPTED_FIELDS, quiet=True)  # an unreadable card says so
    return [
        pk
        for pk, owner, *tokens in entries.values_list("pk", "owner_id", *ENCRYPTED_FIELDS)
        if _has_every_word(stored.texts(pk, tokens, owner=owner), words)
    ]


def _has_every_word(texts: Iterable[str], words: list[str]) -> bool:
    """Whether every word is in one of `texts`; the rest of the texts are not read once so.

    The same as looking in all the texts joined by line breaks: a word has no whitespace, so
    it never spans two texts, and folding a text alone folds it as it would in the whole.
    """
    missing = words
    for text in texts:
        if text:
            folded = _folded(text)
            missing = [word for word in missing if word not in folded]
            if not missing:
                return True
    return False


def entry_page(*, user: Member, filters: EntryFilters, number: int | None) -> Page[Any]:
    """One page of the member's filtered (and searched) entries, ready for their cards."""
    entries = entry_list(user=user, filters=filters)
    if not filters.query:
        return Paginator(_with_card_data(entries), PAGE_SIZE).get_page(number)
    ids = Paginator(entry_search(entries=entries, query=filters.query), PAGE_SIZE).get_page(number)
    found = {entry.pk: entry for entry in _with_card_data(entries.filter(pk__in=list(ids)))}
    return Page([found[pk] for pk in ids], ids.number, ids.paginator)


def _with_card_data(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return entries.select_related(
        "next_time_capacity", "follows_up__next_time_capacity"
    ).prefetch_related("patterns", "feelings")


def pending_follow_up(*, user: Member) -> Entry | None:
    """The earlier entry whose "next time" plan the new-entry form should ask about, if any.

    That is the member's latest entry when it made a plan, or the plan the latest entry
    answered "not yet" about. Older plans are not brought back: no nagging.
    """
    latest = (
        entries_of(user)
        .select_related("next_time_capacity", "follows_up__next_time_capacity")
        .order_by("-created_at")
        .first()
    )
    if latest is None:
        return None
    if latest.has_plan:
        return latest
    earlier = latest.follows_up
    if latest.tried == Entry.Tried.NOT_YET and earlier is not None and earlier.has_plan:
        return earlier
    return None


def prompts_for(*, patterns: list[Pattern] | QuerySet[Pattern], user: Member) -> list[Prompt]:
    """The reflection prompts to show beside the entry form.

    The picked patterns come first, then the member's strongest patterns from their latest
    quiz; each pattern's first prompt is taken before anyone's second. With neither: the first
    prompt of the first few capacities, which fit any moment.
    """
    published = (
        Prompt.objects.published()
        .select_related("pattern", "capacity")
        .order_by("pattern__order", "capacity__order", "order", "pk")
    )
    chosen = [pattern.pk for pattern in sorted(patterns, key=lambda p: (p.order, p.pk))]
    if isinstance(user, User):
        chosen += [p.pk for p in strongest_patterns(user=user) if p.pk not in chosen]
    if not chosen:
        general: dict[int, Prompt] = {}
        for prompt in published.filter(capacity__is_published=True):
            general.setdefault(prompt.capacity_id or 0, prompt)
        return list(general.values())[:GENERAL_PROMPT_LIMIT]
    per_pattern: dict[int, list[Prompt]] = {pk: [] for pk in chosen}  # picked first, then quiz
    for prompt in published.filter(pattern__in=chosen, pattern__is_published=True):
        per_pattern[prompt.pattern_id or 0].append(prompt)
    rounds = max((len(prompts) for prompts in per_pattern.values()), default=0)
    interleaved = [
        prompts[turn]
        for turn in range(rounds)
        for prompts in per_pattern.values()
        if turn < len(prompts)
    ]
    return interleaved[:PROMPT_LIMIT]


def entries_for_export(*, user: Member) -> QuerySet[Entry]:
    """Everything in the member's journal, oldest first, with the slugs an export names."""
    return entries_of(user).order_by("occurred_at", "created_at").prefetch_related(*_NAMES_ONLY)


# An export names each pattern, feeling and capacity; loading their long texts thousands of
# times over was most of its time.
_NAMES_ONLY = (
    Prefetch("next_time_capacity", queryset=Capacity.objects.only("slug", "name", "order")),
    Prefetch("patterns", queryset=Pattern.objects.only("slug", "name", "order")),
    Prefetch("feelings", queryset=Feeling.objects.only("slug", "name", "order")),
)


def entry_count(*, user: Member) -> int:
    return entries_of(user).count()
