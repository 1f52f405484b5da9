"""Reading a JSON export back (see `journal.exports` for its shape), before anything is written.

The file is parsed with limits (size, encoding, numbers, nesting, duplicate names), then each
entry is checked by `ImportedEntryForm`, a Django form whose fields take JSON values as they
are (text must be text, a number a number) and reuse the model's validators. Whatever is wrong
is said in words a member can act on; `services.entries_import` writes what passes.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, validate_slug
from django.db import models
from django.utils import timezone

from intimacy_app.content.models import Pattern
from journal.exports import FORMAT, VERSION
from journal.models import EARLIEST, FUTURE_SKEW, Entry

# Room for MAX_ENTRIES entries of ordinary length: an export of 5,000 is about 4 MB.
MAX_BYTES = 20 * 1024 * 1024
TOO_LARGE = f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."
MAX_ENTRIES = 20_000
MAX_ERRORS = 10
# No number in an export is longer than this; Python refuses integers of over 4,300 digits
# with a ValueError, and a float of thousands of digits is only work.
MAX_NUMBER_LENGTH = 30


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


def _shown(name: str) -> str:
    """A name from the file, short and escaped, safe to put in a sentence and a page."""
    return repr(name[:40] + ("…" if len(name) > 40 else ""))


# --- Fields that take JSON values as they are ----------------------------------------------------


def _model_validators(name: str) -> list[Any]:
    field = Entry._meta.get_field(name)
    assert isinstance(field, models.Field)
    return list(field.validators)


class JSONValue(forms.Field):
    """A value of one JSON type (`kind`), never converted from another; null counts as empty."""

    kind: tuple[type, ...] = (str,)
    default_error_messages = {"invalid": "Must be text."}

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        # type(), not isinstance(): true and false are ints to Python, never to an export.
        if type(value) not in self.kind:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class JSONText(JSONValue):
    """Free text, kept exactly as written (not stripped), checked as the model checks it."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(validators=_model_validators(name), **kwargs)

    def to_python(self, value: Any) -> str:
        return super().to_python(value) or ""

    def validate(self, value: str) -> None:
        super().validate(value.strip())


class JSONChoice(JSONValue):
    def __init__(self, choices: type[models.TextChoices], **kwargs: Any) -> None:
        self.allowed = [str(value) for value in choices.values]
        message = f"Must be one of {', '.join(self.allowed)}, or empty."
        super().__init__(required=False, error_messages={"invalid": message}, **kwargs)

    def to_python(self, value: Any) -> str:
        return super().to_python(value) or ""

    def validate(self, value: str) -> None:
        if value and value not in self.allowed:
            raise ValidationError(self.error_messages["invalid"], code="invalid")


class JSONWholeNumber(JSONValue):
    kind = (int,)
    default_error_messages = {"invalid": "Must be a whole number from 0 to 10, or null."}


class JSONId(JSONValue):
    default_error_messages = {"invalid": "Is not an entry id."}

    def to_python(self, value: Any) -> uuid.UUID | None:
        text = super().to_python(value)
        try:
            return None if text is None else uuid.UUID(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class JSONTime(JSONValue):
    """A moment written as ISO 8601 text with its offset, from 1900 to now."""

    default_error_messages = {
        "invalid": "Must be a date and time written as text.",
        "not_a_time": "Is not a real date and time (%(value)s).",
        "naive": "Needs a time zone offset, like +00:00.",
        "out_of_range": "Is before 1900 or in the future.",
    }

    def to_python(self, value: Any) -> datetime | None:
        text = super().to_python(value)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                self.error_messages["not_a_time"], code="invalid", params={"value": _shown(text)}
            ) from None
        if timezone.is_naive(moment):
            raise ValidationError(self.error_messages["naive"], code="naive")
        if not EARLIEST <= moment <= timezone.now() + FUTURE_SKEW:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return moment


# A slug as the library's models keep them: checked before any reaches a database query.
SLUG_VALIDATORS: list[Any] = [
    validate_slug,
    MaxLengthValidator(Pattern._meta.get_field("slug").max_length),
]


class JSONSlug(JSONValue):
    default_error_messages = {"invalid": "Must be a name (slug) or null."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, validators=SLUG_VALIDATORS, **kwargs)


class JSONSlugList(JSONValue):
    """A list of slugs, each once, in the file's order."""

    kind = (list,)
    default_error_messages = {"invalid": "Must be a list of names (slugs)."}
    MAX_ITEMS = 200

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, validators=SLUG_VALIDATORS, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        items = super().to_python(value) or []
        if len(items) > self.MAX_ITEMS or not all(type(item) is str and item for item in items):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(items))

    def run_validators(self, value: list[str]) -> None:
        for slug in value:
            super().run_validators(slug)


class ImportedEntryForm(forms.Form):
    """One entry of a JSON export, as the file has it."""

    id = JSONId()
    occurred_at = JSONTime()
    created_at = JSONTime(required=False)
    updated_at = JSONTime(required=False)
    with_whom = JSONChoice(Entry.WithWhom)
    situation = JSONText(
        "situation", error_messages={"required": "Is empty; it says what was happening."}
    )
    urge_strength = JSONWholeNumber(required=False, validators=_model_validators("urge_strength"))
    body = JSONText("body", required=False)
    story = JSONText("story", required=False)
    action = JSONChoice(Entry.Action)
    patterns = JSONSlugList()
    feelings = JSONSlugList()
    alarm_check = JSONChoice(Entry.AlarmCheck)
    next_time_capacity = JSONSlug()
    next_time_note = JSONText("next_time_note", required=False)
    follows_up = JSONId(required=False)
    tried = JSONChoice(Entry.Tried)
    follow_up_note = JSONText("follow_up_note", required=False)

    # Written by the export for text it could not read; nothing to import.
    IGNORED = frozenset({"unreadable_fields"})

    def unknown_keys(self) -> list[str]:
        return sorted(set(self.data) - set(self.fields) - self.IGNORED)

    def entry(self) -> ImportedEntry:
        data = self.cleaned_data
        created_at = data["created_at"] or data["occurred_at"]
        return ImportedEntry(
            **data | {"created_at": created_at, "updated_at": data["updated_at"] or created_at}
        )


def _read_entry(position: int, data: Any, errors: list[str]) -> ImportedEntry | None:
    where = f"Entry {position}"
    if not isinstance(data, dict):
        errors.append(f"{where} is not an object.")
        return None
    form = ImportedEntryForm(data)
    if unknown := form.unknown_keys():
        shown = ", ".join(_shown(name) for name in unknown[:5])
        errors.append(f"{where} has fields this version does not know: {shown}.")
        return None
    if not form.is_valid():
        errors.extend(
            f"{where}, {name!r}: {message}"
            for name, messages in form.errors.items()
            for message in messages
        )
        return None
    return form.entry()


# --- The file -------------------------------------------------------------------------------------


NUMBER_REFUSED = "The file holds a number no export has (far too long or too large)."


class _Refused(Exception):
    """Raised from inside the JSON parser's hooks, to stop it at the first thing refused."""


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _Refused(NUMBER_REFUSED)
    return int(text)


def _decimal(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_LENGTH else math.inf
    if not math.isfinite(value):
        raise _Refused(NUMBER_REFUSED)
    return value


def _constant(name: str) -> Any:
    raise _Refused(f"The file holds {name}, which is not a number an export can hold.")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for name, value in pairs:
        if name in document:
            raise _Refused(f"The file names {_shown(name)} twice in one place. Which one counts?")
        document[name] = value
    return document


def parse(raw: bytes) -> Any:
    """The JSON in `raw`, or ImportRejected saying in words why it cannot be read."""
    if len(raw) > MAX_BYTES:
        raise ImportRejected([TOO_LARGE])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRejected(["The file is UTF-16 or UTF-32 text; an export is UTF-8."])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(["The file is not UTF-8 text. Is it the JSON export?"]) from None
    try:
        return json.loads(
            text,
            parse_int=_integer,
            parse_float=_decimal,
            parse_constant=_constant,
            object_pairs_hook=_object,
        )
    except _Refused as refused:
        raise ImportRejected([str(refused)]) from None
    except RecursionError:
        raise ImportRejected(["The file is nested far deeper than an export is."]) from None
    except ValueError:  # json.JSONDecodeError, and anything the parser refuses on its own
        raise ImportRejected(["The file is not valid JSON. Is it the JSON export?"]) from None


def read_export(raw: bytes) -> list[ImportedEntry]:
    """The entries of a JSON export, or ImportRejected saying what is wrong with it.

    Checks size, encoding, format and version, every field's type and limits, and that every
    follow-up points at an entry in the same file. Slugs are checked against the library by
    the caller, which has the database.
    """
    document = parse(raw)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRejected(["This is not a Stay in the Room journal export."])
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ImportRejected(
            [f"This export's version is not one this app knows; only version {VERSION} can be."]
        )
    items = document.get("entries")
    if not isinstance(items, list):
        raise ImportRejected(["The export has no list of entries."])
    if len(items) > MAX_ENTRIES:
        raise ImportRejected([f"The export holds more than {MAX_ENTRIES:,} entries."])

    errors: list[str] = []
    entries = []
    for position, item in enumerate(items, start=1):
        if (entry := _read_entry(position, item, errors)) is not None:
            entries.append(entry)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ImportRejected(errors[:MAX_ERRORS])

    ids = [entry.id for entry in entries]
    if len(set(ids)) != len(ids):
        errors.append("Two entries in the file have the same id.")
    known = set(ids)
    for position, entry in enumerate(entries, start=1):
        if entry.follows_up is not None and (
            entry.follows_up not in known or entry.follows_up == entry.id
        ):
            errors.append(f"Entry {position} follows up on an entry that is not in the file.")
    if errors:
        raise ImportRejected(errors[:MAX_ERRORS])
    return entries
