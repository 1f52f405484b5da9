"""Writes to the journal: each is keyword-only, atomic, and acts for one owner."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from intimacy_app.accounts.member_cache import data_changed
from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Feeling, Pattern
from intimacy_app.crypto import DecryptionError
from journal.fields import Ciphertext, associated_data, keyring, reseal
from journal.imports import ImportRejected, read_export
from journal.models import ENCRYPTED_FIELDS, Entry

BATCH_SIZE = 500
logger = logging.getLogger("journal.crypto")


class EntryFields(TypedDict, total=False):
    """What a member can write on an entry; every key is optional on update."""

    occurred_at: datetime
    with_whom: str
    situation: str
    urge_strength: int | None
    body: str
    story: str
    action: str
    patterns: Iterable[Pattern]
    feelings: Iterable[Feeling]
    alarm_check: str
    next_time_capacity: Capacity | None
    next_time_note: str
    follows_up: Entry | None
    tried: str
    follow_up_note: str


def _validate(entry: Entry) -> None:
    # The owner is set by the service, not chosen; constraints mirror validators already run.
    entry.full_clean(exclude=["owner"], validate_unique=False, validate_constraints=False)


@transaction.atomic
def entry_create(
    *, owner: User, submission_token: uuid.UUID | None = None, **fields: Unpack[EntryFields]
) -> Entry:
    """Log a moment for `owner`. Raises ValidationError and writes nothing if anything is off.

    A follow-up is only linked when it was answered, so a skipped question leaves no trace.
    """
    patterns = list(fields.pop("patterns", ()))
    feelings = list(fields.pop("feelings", ()))
    if not (fields.get("tried") or fields.get("follow_up_note")):
        fields.pop("follows_up", None)
    now = timezone.now()
    entry = Entry(
        owner=owner, submission_token=submission_token, created_at=now, updated_at=now, **fields
    )
    if entry.occurred_at is None:
        entry.occurred_at = now
    _validate(entry)
    entry.save(force_insert=True)
    entry.patterns.set(patterns)
    entry.feelings.set(feelings)
    data_changed(owner_id=owner.pk)
    return entry


@transaction.atomic
def entry_create_once(
    *, owner: User, submission_token: uuid.UUID | None, **fields: Unpack[EntryFields]
) -> tuple[Entry, bool]:
    """`entry_create` for a form's submission, at most once per form: `(entry, created)`.

    The same form sent again (a double click, a retry after a timeout) returns the entry the
    first one made. Two copies racing each other both reach the insert; the unique constraint
    on (owner, submission_token) lets one through, and the other, once the first commits, finds
    its entry. Without a token every call creates.
    """
    if submission_token is None:
        return entry_create(owner=owner, **fields), True
    earlier = Entry.objects.held_by(owner).filter(submission_token=submission_token).first()
    if earlier is not None and earlier.deleted_at is not None:
        raise ValidationError("This moment was saved, then deleted. Log it again as new.")
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            entry = entry_create(owner=owner, submission_token=submission_token, **fields)
    except IntegrityError:
        earlier = Entry.objects.owned_by(owner).filter(submission_token=submission_token).first()
        if earlier is None:
            raise
        return earlier, False
    return entry, True


@transaction.atomic
def entry_update(*, entry: Entry, **fields: Unpack[EntryFields]) -> Entry:
    """Change what the member changed. Text that could not be read stays stored as it was
    unless new words replace it."""
    patterns = fields.pop("patterns", None)
    feelings = fields.pop("feelings", None)
    changed = False
    for name, value in fields.items():
        if getattr(entry, name) != value:
            setattr(entry, name, value)
            changed = True
    if changed:
        entry.updated_at = timezone.now()
        _validate(entry)
        entry.save()
    if patterns is not None:
        entry.patterns.set(list(patterns))
    if feelings is not None:
        entry.feelings.set(list(feelings))
    data_changed(owner_id=entry.owner_id)
    return entry


@transaction.atomic
def entry_delete(*, entry: Entry) -> None:
    """Delete one entry, undoably for UNDO_WINDOW; entries that followed up on it keep their
    own words but no longer point at it (as after a delete for good).

    The member's entries deleted longer ago are purged now.
    """
    now = timezone.now()
    entries_purge_deleted(owner=entry.owner, now=now)
    Entry.objects.filter(follows_up=entry).update(follows_up=None)
    entry.deleted_at = now
    entry.save(update_fields=["deleted_at"])
    data_changed(owner_id=entry.owner_id)


@transaction.atomic
def entry_restore(*, owner: User, pk: uuid.UUID) -> Entry:
    """Bring back an entry `owner` deleted within UNDO_WINDOW.

    Raises Entry.DoesNotExist when there is no such entry, or it is too late.
    """
    entry = Entry.objects.held_by(owner).undoable(timezone.now()).get(pk=pk)
    entry.deleted_at = None
    entry.save(update_fields=["deleted_at"])
    data_changed(owner_id=owner.pk)
    return entry


def entries_purge_deleted(*, owner: User | None = None, now: datetime | None = None) -> int:
    """Delete for good the entries deleted longer ago than UNDO_WINDOW (of one owner, or of
    everyone); returns how many."""
    expired = Entry.objects.expired(now or timezone.now())
    if owner is not None:
        expired = expired.filter(owner_id=owner.pk)
    _, deleted = expired.delete()
    return deleted.get(Entry._meta.label, 0)


@transaction.atomic
def entries_delete_all(*, owner: User) -> int:
    """Delete every entry in `owner`'s journal for good, deleted ones waiting for their undo
    included; returns how many the member could still see."""
    count = Entry.objects.owned_by(owner).count()
    Entry.objects.held_by(owner).delete()
    data_changed(owner_id=owner.pk)
    return count


@dataclass(frozen=True)
class ImportReport:
    created: int
    already_there: int


def _by_slug[M: (Pattern, Feeling, Capacity)](
    model: type[M], slugs: set[str], kind: str, errors: list[str]
) -> dict[str, M]:
    found = {obj.slug: obj for obj in model._default_manager.filter(slug__in=slugs)}
    unknown = sorted(slugs - set(found))
    if unknown:
        shown = ", ".join(unknown[:5]) + (" and more" if len(unknown) > 5 else "")
        errors.append(f"The file names {kind} this library does not have: {shown}.")
    return found


def _batches(ids: list[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _held(owner: User, ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Of the identities `ids`, those `owner`'s journal already holds, each with its entry's
    id. An entry's identity is the id it was first written under (`Entry.origin`), which its
    exports write; its own id counts too, for files written before origins were kept."""
    held: dict[uuid.UUID, uuid.UUID] = {}
    for batch in _batches(ids):
        rows = (
            Entry.objects.owned_by(owner)
            .filter(Q(pk__in=batch) | Q(origin__in=batch))
            .values_list("pk", "origin")
        )
        for pk, origin in rows:
            held[pk] = pk
            if origin is not None:
                held[origin] = pk
    return held


def _taken(ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` are entry ids already, in any journal."""
    taken: set[uuid.UUID] = set()
    for batch in _batches(ids):
        taken.update(Entry.objects.filter(pk__in=batch).values_list("pk", flat=True))
    return taken


@transaction.atomic
def entries_import(*, owner: User, raw: bytes) -> ImportReport:
    """Add the entries of a JSON export to `owner`'s journal, those it does not hold yet.

    The whole file is checked before anything is written; any problem raises ImportRejected
    and nothing changes. An entry is already there when this journal holds its identity (the
    id it was first written under), so the same file, or an overlapping one, can be imported
    any number of times into any journal and adds each entry once. An entry keeps its id
    unless another journal has it; then it gets a new one and keeps the old as its `origin`.
    """
    imported = read_export(raw)
    # One import per journal at a time: the same file sent twice at once (a double click) must
    # find the first one's entries, not race it to insert the same ones.
    User.objects.select_for_update().filter(pk=owner.pk).exists()
    errors: list[str] = []
    patterns = _by_slug(Pattern, {s for e in imported for s in e.patterns}, "patterns", errors)
    feelings = _by_slug(Feeling, {s for e in imported for s in e.feelings}, "feelings", errors)
    capacities = _by_slug(
        Capacity,
        {e.next_time_capacity for e in imported if e.next_time_capacity},
        "capacities",
        errors,
    )
    if errors:
        raise ImportRejected(errors)

    identities = [entry.id for entry in imported]
    held = _held(owner, identities)
    new = [entry for entry in imported if entry.id not in held]
    taken = _taken([entry.id for entry in new])
    ids = held | {e.id: uuid.uuid4() if e.id in taken else e.id for e in new}
    rows = [
        Entry(
            id=ids[item.id],
            origin=item.id if item.id in taken else None,
            owner=owner,
            occurred_at=item.occurred_at,
            created_at=item.created_at,
            updated_at=item.updated_at,
            with_whom=item.with_whom,
            situation=item.situation,
            urge_strength=item.urge_strength,
            body=item.body,
            story=item.story,
            action=item.action,
            alarm_check=item.alarm_check,
            next_time_capacity=capacities.get(item.next_time_capacity or ""),
            next_time_note=item.next_time_note,
            follows_up_id=ids[item.follows_up] if item.follows_up else None,
            tried=item.tried,
            follow_up_note=item.follow_up_note,
        )
        for item in new
    ]
    pattern_links = Entry.patterns.through
    feeling_links = Entry.feelings.through
    try:
        with transaction.atomic():
            Entry.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    except IntegrityError:
        # Another journal took one of these ids a moment ago, importing the same file.
        message = "Someone imported the same entries just now. Please try again."
        raise ImportRejected([message]) from None
    pattern_links.objects.bulk_create(
        [
            pattern_links(entry_id=ids[item.id], pattern_id=patterns[slug].pk)
            for item in new
            for slug in item.patterns
        ],
        batch_size=BATCH_SIZE,
    )
    feeling_links.objects.bulk_create(
        [
            feeling_links(entry_id=ids[item.id], feeling_id=feelings[slug].pk)
            for item in new
            for slug in item.feelings
        ],
        batch_size=BATCH_SIZE,
    )
    data_changed(owner_id=owner.pk)
    return ImportReport(created=len(rows), already_there=len(imported) - len(rows))


@dataclass
class RotationReport:
    checked: int = 0
    rotated: int = 0
    current: int = 0
    unreadable: int = 0


def _rotate_batch(rows: list[tuple[object, ...]], report: RotationReport) -> None:
    ring = keyring()
    model_name = Entry._meta.model_name or ""
    for row in rows:
        pk, owner_id, tokens = uuid.UUID(str(row[0])), int(str(row[1])), row[2:]
        report.checked += 1
        old: dict[str, Ciphertext] = {}
        new: dict[str, Ciphertext] = {}
        for name, token in zip(ENCRYPTED_FIELDS, tokens, strict=True):
            if not isinstance(token, Ciphertext) or not token:
                continue
            try:
                sealed = reseal(
                    ring,
                    token,
                    bound=associated_data(model_name, pk, name, owner=owner_id),
                    unbound=associated_data(model_name, pk, name, owner=None),
                )
            except DecryptionError as error:
                report.unreadable += 1
                logger.warning(
                    "Could not decrypt %s of entry %s (key id %r): %s",
                    name,
                    pk,
                    error.key_id,
                    error.reason,
                )
                continue
            if sealed is not None:
                new[name] = Ciphertext(sealed)
                old[name] = token
        if not new:
            report.current += 1
            continue
        # Only if the row still holds what was read: a member's save in between wins.
        Entry.objects.filter(pk=pk, owner_id=owner_id, **old).update(**new)
        report.rotated += 1


def entries_rotate_key(
    *, batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None
) -> RotationReport:
    """Re-encrypt every entry's text under the current key and bound to its owner, one atomic
    batch at a time.

    Idempotent: text already under the current key and bound to its owner is left alone. Text
    no configured key can read is counted and logged (without the text), never changed.
    """
    report = RotationReport()
    last_pk = None
    while True:
        with transaction.atomic():
            batch = Entry.objects.order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch.values_list("pk", "owner_id", *ENCRYPTED_FIELDS)[:batch_size])
            if not rows:
                return report
            _rotate_batch(rows, report)
        last_pk = rows[-1][0]
        if progress is not None:
            progress(report.checked)
