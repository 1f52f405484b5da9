"""The journal's export formats (JSON, CSV, Markdown) and the reading of a JSON export back.

The JSON document is the lossless one and is versioned (written compact, on one line)::

    {"format": "stay-in-the-room/journal", "version": 1, "exported_at": "<ISO 8601>",
     "entries": [{"id": "<uuid>", "occurred_at": "<ISO 8601 with offset>", "with_whom": "",
                  "situation": "", "urge_strength": null, "body": "", "story": "", "action": "",
                  "patterns": ["<slug>"], "feelings": ["<slug>"], "alarm_check": "",
                  "next_time_capacity": null, "next_time_note": "", "follows_up": null,
                  "tried": "", "follow_up_note": "", "created_at": "...", "updated_at": "..."}]}

Choices are stored as their values (see `Entry`), content as slugs, links as entry ids from
the same file. `read_export` checks everything it can without the database and says, in
words a member can act on, what is wrong.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from journal.fields import EncryptedTextField, StoredText, Unreadable
from journal.models import EARLIEST, ENCRYPTED_FIELDS, FUTURE_SKEW, MEMBER_FIELDS, Entry

FORMAT = "stay-in-the-room/journal"
VERSION = 1
# Room for MAX_ENTRIES entries of ordinary length: an export of 5,000 is about 4 MB.
MAX_BYTES = 20 * 1024 * 1024
TOO_LARGE = f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."
MAX_ENTRIES = 20_000
MAX_ERRORS = 10
UNREADABLE = "[This part could not be read.]"
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")

TEXT_FIELDS = ("situation", "body", "story", "next_time_note", "follow_up_note")
CHOICE_FIELDS = {
    "with_whom": Entry.WithWhom,
    "action": Entry.Action,
    "alarm_check": Entry.AlarmCheck,
    "tried": Entry.Tried,
}
TIME_FIELDS = ("occurred_at", "created_at", "updated_at")
ENTRY_KEYS = {
    "id",
    *TIME_FIELDS,
    *TEXT_FIELDS,
    *CHOICE_FIELDS,
    "urge_strength",
    "patterns",
    "feelings",
    "next_time_capacity",
    "follows_up",
}


class ImportRejected(Exception):
    """The file cannot be imported; `errors` says why, one plain sentence each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportedEntry:
    """One entry read from an export, its content still named by slug."""

    id: uuid.UUID
    occurred_at: datetime
    created_at: datetime
    updated_at: datetime
    with_whom: str
    situation: str
    urge_strength: int | None
    body: str
    story: str
    action: str
    patterns: list[str]
    feelings: list[str]
    alarm_check: str
    next_time_capacity: str | None
    next_time_note: str
    follows_up: uuid.UUID | None
    tried: str
    follow_up_note: str


# --- Export -----------------------------------------------------------------------------------


def _text(entry: Entry, name: str) -> str:
    value = getattr(entry, name)
    return "" if getattr(value, "unreadable", False) else str(value)


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """One entry as the JSON export writes it, from its model instance.

    The CSV export starts from this; the JSON export reads the same from tuples, for speed
    (`export_entries`, which a test holds to giving the same).
    """
    data: dict[str, Any] = {
        "id": str(entry.pk),
        "occurred_at": entry.occurred_at.isoformat(),
        "with_whom": entry.with_whom,
        "situation": _text(entry, "situation"),
        "urge_strength": entry.urge_strength,
        "body": _text(entry, "body"),
        "story": _text(entry, "story"),
        "action": entry.action,
        "patterns": [pattern.slug for pattern in entry.patterns.all()],
        "feelings": [feeling.slug for feeling in entry.feelings.all()],
        "alarm_check": entry.alarm_check,
        "next_time_capacity": entry.next_time_capacity.slug if entry.next_time_capacity else None,
        "next_time_note": _text(entry, "next_time_note"),
        "follows_up": str(entry.follows_up_id) if entry.follows_up_id else None,
        "tried": entry.tried,
        "follow_up_note": _text(entry, "follow_up_note"),
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }
    if entry.unreadable_fields:
        # Said out loud so a member knows the export is missing words, and why.
        data["unreadable_fields"] = entry.unreadable_fields
    return data


# What the JSON export reads of each entry besides its text, as stored; see `export_entries`.
_COLUMNS = (
    "pk",
    "occurred_at",
    "with_whom",
    "urge_strength",
    "action",
    "alarm_check",
    "next_time_capacity__slug",
    "follows_up_id",
    "tried",
    "created_at",
    "updated_at",
)


def export_entries(entries: QuerySet[Entry]) -> Iterator[dict[str, Any]]:
    """Each of `entries`, in their order, exactly as `entry_to_dict` writes it.

    Reads tuples, not models: three queries (the entries, their moves, their feelings) and
    one decryption per stored text. Building an instance, two related managers and a model
    per move and feeling for thousands of entries was most of the time of an export.
    """
    patterns = _slugs(entries, Entry.patterns.through.objects.all(), "pattern")
    feelings = _slugs(entries, Entry.feelings.through.objects.all(), "feeling")
    stored = StoredText(Entry, ENCRYPTED_FIELDS)
    rows = entries.prefetch_related(None).values_list(*_COLUMNS, *ENCRYPTED_FIELDS)
    for (
        pk,
        occurred_at,
        with_whom,
        urge_strength,
        action,
        alarm_check,
        capacity,
        follows_up,
        tried,
        created_at,
        updated_at,
        *tokens,
    ) in rows:
        text = dict(zip(ENCRYPTED_FIELDS, stored.texts(pk, tokens), strict=True))
        data: dict[str, Any] = {
            "id": str(pk),
            "occurred_at": occurred_at.isoformat(),
            "with_whom": with_whom,
            "situation": str(text["situation"]),  # str(): an Unreadable is written as ""
            "urge_strength": urge_strength,
            "body": str(text["body"]),
            "story": str(text["story"]),
            "action": action,
            "patterns": patterns.get(pk, []),
            "feelings": feelings.get(pk, []),
            "alarm_check": alarm_check,
            "next_time_capacity": capacity,
            "next_time_note": str(text["next_time_note"]),
            "follows_up": str(follows_up) if follows_up else None,
            "tried": tried,
            "follow_up_note": str(text["follow_up_note"]),
            "created_at": created_at.isoformat(),
            "updated_at": updated_at.isoformat(),
        }
        unreadable = [name for name, value in text.items() if isinstance(value, Unreadable)]
        if unreadable:
            data["unreadable_fields"] = unreadable
        yield data


def _slugs(entries: QuerySet[Entry], links: QuerySet[Any], target: str) -> dict[Any, list[str]]:
    """The slugs of the `target`s (patterns, feelings) each of `entries` links to, by entry id,
    in the library's order ("order", then "pk"), as `entry.patterns.all()` gives them."""
    slugs: dict[Any, list[str]] = {}
    rows = (
        links.filter(entry__in=entries.order_by().values("pk"))
        .order_by(f"{target}__order", f"{target}__pk")
        .values_list("entry_id", f"{target}__slug")
    )
    for entry_id, slug in rows:
        slugs.setdefault(entry_id, []).append(slug)
    return slugs


def export_document(entries: QuerySet[Entry], *, exported_at: datetime) -> dict[str, Any]:
    """The JSON export as data, for the journal's own download and the account-wide one."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at.isoformat(),
        "entries": list(export_entries(entries)),
    }


def render_json(entries: QuerySet[Entry], *, exported_at: datetime) -> str:
    """The JSON export as one compact document.

    Not indented: with `indent` the json module falls back from its C encoder to pure Python,
    which took longer than reading and decrypting the whole journal, and the indentation was
    a sixth of the file, whose size an import caps at MAX_BYTES.
    """
    document = export_document(entries, exported_at=exported_at)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def _cell(value: str) -> str:
    # A spreadsheet would run a cell that starts like a formula; a leading quote stops that.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


CSV_COLUMNS = (*MEMBER_FIELDS, "id")


def render_csv(entries: Iterable[Entry]) -> str:
    """One row per entry, for a spreadsheet; names rather than slugs, "; " between several."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = entry_to_dict(entry)
        for name in TEXT_FIELDS:
            if name in row.get("unreadable_fields", ()):
                row[name] = UNREADABLE
        row["occurred_at"] = timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M")
        row["patterns"] = "; ".join(pattern.name for pattern in entry.patterns.all())
        row["feelings"] = "; ".join(feeling.name for feeling in entry.feelings.all())
        row["next_time_capacity"] = (
            entry.next_time_capacity.name if entry.next_time_capacity else ""
        )
        for name, choices in CHOICE_FIELDS.items():
            row[name] = str(choices(row[name]).label) if row[name] else ""
        writer.writerow(
            [_cell("" if row[column] is None else str(row[column])) for column in CSV_COLUMNS]
        )
    return out.getvalue()


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}"


def _inert(text: str) -> str:
    """Text as Markdown that shows it rather than running it: a backslash before every "<" so
    no viewer takes what a member typed for raw HTML (CommonMark shows the "<" alone)."""
    return text.replace("\\<", "\\\\<").replace("<", "\\<")


def render_markdown(entries: Iterable[Entry], *, exported_at: datetime) -> str:
    """A document to read or print: one section per entry, oldest first."""
    lines = [
        "# My journal · Stay in the Room",
        "",
        f"Exported {_when(exported_at)}.",
        "",
    ]
    for entry in entries:
        lines += ["", f"## {_when(entry.occurred_at)}", ""]
        facts = [
            f"With: {entry.get_with_whom_display().lower()}" if entry.with_whom else "",
            f"Urge: {entry.urge_strength}/10" if entry.urge_strength is not None else "",
            f"What I did: {entry.get_action_display().lower()}" if entry.action else "",
        ]
        if any(facts):
            lines += [" · ".join(fact for fact in facts if fact), ""]
        sections = [
            ("What was happening", "situation"),
            ("In my body", "body"),
            ("The story my mind told", "story"),
        ]
        for heading, name in sections:
            text = UNREADABLE if name in entry.unreadable_fields else getattr(entry, name)
            if text:
                lines += [f"**{heading}.** {_inert(text)}", ""]
        moves = ", ".join(pattern.name for pattern in entry.patterns.all())
        feelings = ", ".join(feeling.name for feeling in entry.feelings.all())
        if moves:
            lines += [f"**Moves:** {_inert(moves)}", ""]
        if feelings:
            lines += [f"**Feelings:** {_inert(feelings)}", ""]
        if entry.alarm_check:
            lines += [f"**Old alarm or real danger?** {entry.get_alarm_check_display()}", ""]
        plan = " — ".join(
            part
            for part in (
                entry.next_time_capacity.name if entry.next_time_capacity else "",
                UNREADABLE if "next_time_note" in entry.unreadable_fields else entry.next_time_note,
            )
            if part
        )
        if plan:
            lines += [f"**Next time:** {_inert(plan)}", ""]
        if entry.tried or entry.follow_up_note or "follow_up_note" in entry.unreadable_fields:
            note = (
                UNREADABLE if "follow_up_note" in entry.unreadable_fields else entry.follow_up_note
            )
            tried = f"Tried it: {entry.get_tried_display().lower()}." if entry.tried else ""
            reported = " ".join(p for p in (tried, note) if p)
            lines += [f"**Last time's plan.** {_inert(reported)}", ""]
    return "\n".join(lines).rstrip() + "\n"


# --- Import -----------------------------------------------------------------------------------


class _Problems:
    """Collects what is wrong, up to a limit, so a member sees the first few at once."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ImportRejected(self.errors)


def _parse_time(value: Any, where: str, problems: _Problems) -> datetime | None:
    if not isinstance(value, str):
        problems.add(f"{where} must be a date and time written as text.")
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        problems.add(f"{where} is not a real date and time ({value[:40]!r}).")
        return None
    if timezone.is_naive(parsed):
        problems.add(f"{where} needs a time zone offset, like +00:00.")
        return None
    if not EARLIEST <= parsed <= timezone.now() + FUTURE_SKEW:
        problems.add(f"{where} is before 1900 or in the future.")
        return None
    return parsed


def _check_text(value: Any, name: str, where: str, problems: _Problems) -> str:
    if not isinstance(value, str):
        problems.add(f"{where} must be text.")
        return ""
    try:
        field = Entry._meta.get_field(name)
        assert isinstance(field, EncryptedTextField)
        field.run_validators(value)
    except ValidationError as error:
        problems.add(f"{where}: {' '.join(error.messages)}")
    return value


def _is_slug(value: Any) -> bool:
    # Checked here so nothing but a slug (no NUL, no lone surrogate) reaches a database query.
    return isinstance(value, str) and SLUG.fullmatch(value) is not None


def _check_slugs(value: Any, where: str, problems: _Problems) -> list[str]:
    if not isinstance(value, list) or not all(_is_slug(slug) for slug in value):
        problems.add(f"{where} must be a list of names (slugs).")
        return []
    return list(dict.fromkeys(value))


def _read_entry(position: int, data: Any, problems: _Problems) -> ImportedEntry | None:
    where = f"Entry {position}"
    if not isinstance(data, dict):
        problems.add(f"{where} is not an object.")
        return None
    unknown = set(data) - ENTRY_KEYS - {"unreadable_fields"}
    missing = {"id", "occurred_at", "situation"} - set(data)
    if unknown:
        problems.add(
            f"{where} has fields this version does not know: {', '.join(sorted(unknown))}."
        )
    if missing:
        problems.add(f"{where} is missing {', '.join(sorted(missing))}.")
    if unknown or missing:
        return None
    before = len(problems.errors)

    try:
        entry_id = uuid.UUID(str(data["id"]))
    except ValueError:
        problems.add(f"{where}: 'id' is not an entry id.")
        entry_id = uuid.uuid4()
    follows_up = data.get("follows_up")
    follows_up_id = None
    if follows_up is not None:
        try:
            follows_up_id = uuid.UUID(str(follows_up))
        except ValueError:
            problems.add(f"{where}: 'follows_up' is not an entry id.")

    times = {
        name: _parse_time(data[name], f"{where} '{name}'", problems)
        for name in TIME_FIELDS
        if name in data
    }
    texts = {
        name: _check_text(data.get(name, ""), name, f"{where} '{name}'", problems)
        for name in TEXT_FIELDS
    }
    if not texts["situation"].strip():
        problems.add(f"{where}: 'situation' (what was happening) is empty.")
    choices = {}
    for name, allowed in CHOICE_FIELDS.items():
        value = data.get(name, "")
        if value != "" and value not in allowed.values:
            problems.add(f"{where}: {name!r} must be one of {', '.join(allowed.values)} or empty.")
        choices[name] = value if isinstance(value, str) else ""
    urge = data.get("urge_strength")
    if urge is not None and (type(urge) is not int or not 0 <= urge <= 10):
        problems.add(f"{where}: 'urge_strength' must be a whole number from 0 to 10, or null.")
    capacity = data.get("next_time_capacity")
    if capacity is not None and not _is_slug(capacity):
        problems.add(f"{where}: 'next_time_capacity' must be a name (slug) or null.")
    patterns = _check_slugs(data.get("patterns", []), f"{where} 'patterns'", problems)
    feelings = _check_slugs(data.get("feelings", []), f"{where} 'feelings'", problems)

    if len(problems.errors) > before or times.get("occurred_at") is None:
        return None
    occurred_at = times["occurred_at"]
    assert occurred_at is not None
    created_at = times.get("created_at") or occurred_at
    return ImportedEntry(
        id=entry_id,
        occurred_at=occurred_at,
        created_at=created_at,
        updated_at=times.get("updated_at") or created_at,
        urge_strength=urge,
        patterns=patterns,
        feelings=feelings,
        next_time_capacity=capacity,
        follows_up=follows_up_id,
        **texts,
        **choices,
    )


def read_export(raw: bytes) -> list[ImportedEntry]:
    """The entries of a JSON export, or ImportRejected saying what is wrong with it.

    Checks size, encoding, format and version, every field's type and limits, and that every
    follow-up points at an entry in the same file. Slugs are checked against the library by
    the caller, which has the database.
    """
    if len(raw) > MAX_BYTES:
        raise ImportRejected([TOO_LARGE])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(["The file is not UTF-8 text. Is it the JSON export?"]) from None
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ImportRejected(["The file is not valid JSON. Is it the JSON export?"]) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRejected(["This is not a Stay in the Room journal export."])
    if document.get("version") != VERSION:
        raise ImportRejected(
            [
                f"This export is version {document.get('version')!r}; only version {VERSION} "
                "can be imported here."
            ]
        )
    items = document.get("entries")
    if not isinstance(items, list):
        raise ImportRejected(["The export has no list of entries."])
    if len(items) > MAX_ENTRIES:
        raise ImportRejected([f"The export holds more than {MAX_ENTRIES:,} entries."])

    problems = _Problems()
    entries = [
        entry
        for position, item in enumerate(items, start=1)
        if (entry := _read_entry(position, item, problems)) is not None
    ]
    problems.raise_if_any()

    ids = [entry.id for entry in entries]
    if len(set(ids)) != len(ids):
        problems.add("Two entries in the file have the same id.")
    known = set(ids)
    for position, entry in enumerate(entries, start=1):
        if entry.follows_up is not None and (
            entry.follows_up not in known or entry.follows_up == entry.id
        ):
            problems.add(f"Entry {position} follows up on an entry that is not in the file.")
    problems.raise_if_any()
    return entries
