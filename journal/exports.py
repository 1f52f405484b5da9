"""The journal's export formats: JSON (imports back losslessly), CSV and Markdown.

The JSON document is versioned and written compact, on one line::

    {"format": "stay-in-the-room/journal", "version": 1, "exported_at": "<ISO 8601>",
     "time_zone": "Europe/Berlin",
     "entries": [{"id": "<uuid>", "occurred_at": "<ISO 8601 with offset>", "with_whom": "",
                  "situation": "", "urge_strength": null, "body": "", "story": "", "action": "",
                  "patterns": ["<slug>"], "feelings": ["<slug>"], "alarm_check": "",
                  "next_time_capacity": null, "next_time_note": "", "follows_up": null,
                  "tried": "", "follow_up_note": "", "created_at": "...", "updated_at": "..."}]}

Choices are stored as their values (see `Entry`), content as slugs, links as entry ids from
the same file. Every time is written in the time zone named by "time_zone" (the one the
member's pages are shown in), with its offset. An entry's "id" is its identity across
journals: the id it was first written under (see `Entry.origin`), so an import can tell what
is already there. CSV and Markdown are made from the same entries as JSON, so all three agree.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone

from intimacy_app.content.models import Capacity, Feeling, Pattern
from journal.fields import StoredText, Unreadable
from journal.models import ENCRYPTED_FIELDS, MEMBER_FIELDS, Entry

FORMAT = "stay-in-the-room/journal"
VERSION = 1
UNREADABLE = "[This part could not be read.]"
CHOICES = {
    "with_whom": Entry.WithWhom,
    "action": Entry.Action,
    "alarm_check": Entry.AlarmCheck,
    "tried": Entry.Tried,
}

# What the export reads of each entry besides its text, as stored.
_COLUMNS = (
    "pk",
    "origin",
    "owner_id",
    "occurred_at",
    "with_whom",
    "urge_strength",
    "action",
    "alarm_check",
    "next_time_capacity__slug",
    "follows_up_id",
    "follows_up__origin",
    "tried",
    "created_at",
    "updated_at",
)


def _time(moment: datetime) -> str:
    """ISO 8601 in the active time zone, with its offset: what the member's pages show."""
    return timezone.localtime(moment).isoformat()


def export_entries(entries: QuerySet[Entry]) -> Iterator[dict[str, Any]]:
    """Each of `entries`, in their order, as the JSON export writes it.

    Reads tuples, not models: three queries (the entries, their patterns, their feelings) and
    one decryption per stored text, which keeps thousands of entries within a second.
    """
    patterns = _slugs(entries, Entry.patterns.through.objects.all(), "pattern")
    feelings = _slugs(entries, Entry.feelings.through.objects.all(), "feeling")
    stored = StoredText(Entry, ENCRYPTED_FIELDS)
    rows = entries.prefetch_related(None).values_list(*_COLUMNS, *ENCRYPTED_FIELDS)
    for (
        pk,
        origin,
        owner_id,
        occurred_at,
        with_whom,
        urge_strength,
        action,
        alarm_check,
        capacity,
        follows_up,
        follows_up_origin,
        tried,
        created_at,
        updated_at,
        *tokens,
    ) in rows:
        text = dict(zip(ENCRYPTED_FIELDS, stored.texts(pk, tokens, owner=owner_id), strict=True))
        data: dict[str, Any] = {
            "id": str(origin or pk),
            "occurred_at": _time(occurred_at),
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
            "follows_up": str(follows_up_origin or follows_up) if follows_up else None,
            "tried": tried,
            "follow_up_note": str(text["follow_up_note"]),
            "created_at": _time(created_at),
            "updated_at": _time(updated_at),
        }
        unreadable = [name for name, value in text.items() if isinstance(value, Unreadable)]
        if unreadable:
            # Said out loud so a member knows the export is missing words, and why.
            data["unreadable_fields"] = unreadable
        yield data


def _slugs(entries: QuerySet[Entry], links: QuerySet[Any], target: str) -> dict[Any, list[str]]:
    """The slugs of the `target`s (patterns, feelings) each of `entries` links to, by entry id,
    in the library's order ("order", then "pk")."""
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
        "exported_at": _time(exported_at),
        "time_zone": timezone.get_current_timezone_name(),
        "entries": list(export_entries(entries)),
    }


def render_json(entries: QuerySet[Entry], *, exported_at: datetime) -> str:
    """The JSON export as one compact document (with `indent`, the json module falls back to
    its pure-Python encoder, and the file grows by a sixth)."""
    document = export_document(entries, exported_at=exported_at)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


class _Names:
    """The library's names for the slugs an export writes, read once per export."""

    def __init__(self) -> None:
        self.patterns = self._of(Pattern)
        self.feelings = self._of(Feeling)
        self.capacities = self._of(Capacity)

    @staticmethod
    def _of(model: type[Model]) -> dict[str, str]:
        return dict(model._default_manager.values_list("slug", "name"))

    def joined(self, names: dict[str, str], slugs: list[str], separator: str) -> str:
        return separator.join(names.get(slug, slug) for slug in slugs)


def _label(name: str, value: str) -> str:
    return str(CHOICES[name](value).label) if value else ""


def _readable(data: dict[str, Any], name: str) -> str:
    return UNREADABLE if name in data.get("unreadable_fields", ()) else data[name]


def _cell(value: str) -> str:
    # A spreadsheet would run a cell that starts like a formula; a leading quote stops that.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


CSV_COLUMNS = (*MEMBER_FIELDS, "id", "time_zone")


def render_csv(entries: QuerySet[Entry]) -> str:
    """One row per entry, for a spreadsheet: the JSON export's values, with names rather than
    slugs and labels rather than choice values, "; " between several, and the zone named."""
    names, zone = _Names(), timezone.get_current_timezone_name()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for data in export_entries(entries):
        row = dict(data, time_zone=zone)
        for name in ENCRYPTED_FIELDS:
            row[name] = _readable(data, name)
        for name in CHOICES:
            row[name] = _label(name, data[name])
        row["patterns"] = names.joined(names.patterns, data["patterns"], "; ")
        row["feelings"] = names.joined(names.feelings, data["feelings"], "; ")
        capacity = data["next_time_capacity"]
        row["next_time_capacity"] = names.capacities.get(capacity, capacity) if capacity else ""
        writer.writerow(
            [_cell("" if row[column] is None else str(row[column])) for column in CSV_COLUMNS]
        )
    return out.getvalue()


def _when(iso: str) -> str:
    """A time as the Markdown export shows it: in words, with its offset from UTC."""
    moment = datetime.fromisoformat(iso)
    offset = f"UTC{moment:%:z}".replace("UTC+00:00", "UTC")
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} ({offset})"


# What can start markup anywhere in a line (emphasis, code, links and images through their
# brackets, raw HTML and autolinks through "<", entities, strikethrough, tables, maths), and at
# the start of a line (headings, quotes, lists, breaks, setext underlines, definitions). An
# escaped character is always shown as itself in CommonMark; nothing else needs escaping, so the
# file stays easy to read as plain text.
_INLINE = re.compile(r"([\\`*_\[\]<&~|$])")
_LINE_START = re.compile(r"^([ \t]*)([#>+\-=:]|\d{1,9}[.)])", re.MULTILINE)
# Viewers that turn bare addresses into links (GitHub, markdown-it's linkify) do it after
# escapes are read, so a word that looks like an address is shown as code, never linked.
_WORDS = re.compile(r"(\s+)")
_BACKTICKS = re.compile(r"`+")


def _is_address(word: str) -> bool:
    return "://" in word or "@" in word or "www." in word.lower()


def _code_span(word: str) -> str:
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(word)), default=0) + 1)
    padding = " " if word.startswith("`") or word.endswith("`") else ""
    return f"{fence}{padding}{word}{padding}{fence}"


def inert(text: str) -> str:
    """`text` as Markdown that any viewer shows as written: never a link, image, HTML or
    heading, list, quote or table made from the member's words."""
    words = [
        _code_span(word) if _is_address(word) else _INLINE.sub(r"\\\1", word)
        for word in _WORDS.split(text)
    ]
    return _LINE_START.sub(lambda m: m[1] + m[2][:-1] + "\\" + m[2][-1], "".join(words))


def render_markdown(entries: QuerySet[Entry], *, exported_at: datetime) -> str:
    """A document to read or print: one section per entry, oldest first."""
    names = _Names()
    lines = [
        "# My journal · Stay in the Room",
        "",
        f"Exported {_when(_time(exported_at))}. "
        f"Times are in {inert(timezone.get_current_timezone_name())}.",
        "",
    ]
    for data in export_entries(entries):
        lines += ["", f"## {_when(data['occurred_at'])}", ""]
        lines += _markdown_entry(data, names)
    return "\n".join(lines).rstrip() + "\n"


def _markdown_entry(data: dict[str, Any], names: _Names) -> Iterable[str]:
    def words(name: str) -> str:
        unreadable = name in data.get("unreadable_fields", ())
        return UNREADABLE if unreadable else inert(data[name])

    lines: list[str] = []
    facts = [
        f"With: {_label('with_whom', data['with_whom']).lower()}" if data["with_whom"] else "",
        f"Urge: {data['urge_strength']}/10" if data["urge_strength"] is not None else "",
        f"What I did: {_label('action', data['action'])}" if data["action"] else "",
    ]
    if any(facts):
        lines += [" · ".join(fact for fact in facts if fact), ""]
    for heading, name in (
        ("What was happening", "situation"),
        ("In my body", "body"),
        ("The story my mind told", "story"),
    ):
        if text := words(name):
            lines += [f"**{heading}.** {text}", ""]
    if patterns := names.joined(names.patterns, data["patterns"], ", "):
        lines += [f"**Patterns:** {inert(patterns)}", ""]
    if feelings := names.joined(names.feelings, data["feelings"], ", "):
        lines += [f"**Feelings:** {inert(feelings)}", ""]
    if data["alarm_check"]:
        lines += [f"**Old alarm or real danger?** {_label('alarm_check', data['alarm_check'])}", ""]
    capacity = data["next_time_capacity"]
    plan = " — ".join(
        part
        for part in (
            inert(names.capacities.get(capacity, capacity)) if capacity else "",
            words("next_time_note"),
        )
        if part
    )
    if plan:
        lines += [f"**Next time:** {plan}", ""]
    note = words("follow_up_note")
    if data["tried"] or note:
        tried = f"Tried it: {_label('tried', data['tried']).lower()}." if data["tried"] else ""
        reported = " ".join(part for part in (tried, note) if part)
        lines += [f"**Last time's plan.** {reported}", ""]
    return lines
