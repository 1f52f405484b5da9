"""Writes to the content library: loading the shipped library, and saying it changed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import models, transaction

from intimacy_app.content.models import Capacity, CrisisLine, Feeling, Pattern, Prompt, Source
from intimacy_app.content.selectors import VERSION_KEY

DATA = Path(__file__).resolve().parent / "data"
LIBRARY_PATH = DATA / "library.json"
CRISIS_LINES_PATH = DATA / "crisis_lines.json"


@dataclass
class LoadReport:
    """How many rows a load created and updated, per model name."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, model: type[models.Model], *, created: bool, changed: bool) -> None:
        name = str(model._meta.verbose_name_plural)
        if created:
            self.created[name] = self.created.get(name, 0) + 1
        elif changed:
            self.updated[name] = self.updated.get(name, 0) + 1

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


class Row(Enum):
    """What a load did to one row, which decides whether its links are written."""

    CREATED = "created"
    REFRESHED = "refreshed"
    KEPT = "kept"


def _upsert[M: models.Model](
    model: type[M], *, slug: str, fields: dict[str, Any], update: bool, report: LoadReport
) -> tuple[M, Row]:
    """Create the row for `slug`, or (with update) bring its fields in line with the file."""
    obj = model._default_manager.filter(slug=slug).first()
    if obj is None:
        obj = model._default_manager.create(slug=slug, **fields)
        report.count(model, created=True, changed=True)
        return obj, Row.CREATED
    if not update:
        return obj, Row.KEPT
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, fields[name])
        obj.save(update_fields=[*changed, "updated_at"])
    report.count(model, created=False, changed=bool(changed))
    return obj, Row.REFRESHED


def _set_links(
    manager: Any, wanted: Sequence[models.Model], *, row: Row, report: LoadReport
) -> None:
    """Make a many-to-many link set match the file; on a refreshed row, count a change."""
    if {obj.pk for obj in manager.all()} != {obj.pk for obj in wanted}:
        manager.set(wanted)
        if row is Row.REFRESHED:
            report.updated["links"] = report.updated.get("links", 0) + 1


def _load_prompts(
    texts: list[str], *, owner: Pattern | Capacity, update: bool, report: LoadReport
) -> None:
    owner_field = "pattern" if isinstance(owner, Pattern) else "capacity"
    for order, text in enumerate(texts, start=1):
        _upsert(
            Prompt,
            slug=f"{owner.slug}-{order}"[:60],
            fields={"text": text, "order": order, owner_field: owner},
            update=update,
            report=report,
        )


def content_changed() -> None:
    """Make every cached read of the library stale once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


@transaction.atomic
def library_load(
    *,
    path: Path = LIBRARY_PATH,
    crisis_lines: Path | None = CRISIS_LINES_PATH,
    update: bool = False,
) -> LoadReport:
    """Load the content library from `path` (and the crisis directory from `crisis_lines`);
    running it again changes nothing.

    Rows that exist are left as editors made them unless `update` is true, in which case they
    are brought back in line with the file. Nothing is deleted.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    report = LoadReport()

    sources: dict[str, Source] = {}
    citing: list[tuple[Source, str | None]] = []
    for order, item in enumerate(data["sources"], start=1):
        keys = ("title", "authors", "url", "kind", "checked", "note")
        fields = {key: item.get(key) or "" for key in keys}
        fields["checked"] = fields["checked"] or Source.Checked.CHECKED
        sources[item["slug"]], row = _upsert(
            Source,
            slug=item["slug"],
            fields={**fields, "year": item.get("year"), "order": order},
            update=update,
            report=report,
        )
        if row is not Row.KEPT:
            citing.append((sources[item["slug"]], item.get("cited_by")))
    # Checked sources come first in the file, so what cites a secondhand one is read after it.
    for source, cited_by in citing:
        wanted = sources[cited_by] if cited_by else None
        if source.cited_by != wanted:
            source.cited_by = wanted
            source.save(update_fields=["cited_by"])

    capacities: dict[str, Capacity] = {}
    for order, item in enumerate(data["capacities"], start=1):
        capacity, row = _upsert(
            Capacity,
            slug=item["slug"],
            fields={
                key: item[key] for key in ("name", "summary", "evidence", "description", "practice")
            }
            | {"order": order},
            update=update,
            report=report,
        )
        capacities[capacity.slug] = capacity
        if row is not Row.KEPT:
            capacity_sources = [sources[s] for s in item.get("sources", [])]
            _set_links(capacity.sources, capacity_sources, row=row, report=report)
            _load_prompts(item.get("prompts", []), owner=capacity, update=update, report=report)

    for order, item in enumerate(data["patterns"], start=1):
        pattern, row = _upsert(
            Pattern,
            slug=item["slug"],
            fields={
                key: item[key]
                for key in (
                    "name",
                    "summary",
                    "evidence",
                    "inside",
                    "outside",
                    "origins",
                    "protects",
                    "helps",
                )
            }
            | {"order": order},
            update=update,
            report=report,
        )
        if row is not Row.KEPT:
            helped_by = [capacities[s] for s in item["capacities"]]
            _set_links(pattern.capacities, helped_by, row=row, report=report)
            pattern_sources = [sources[s] for s in item.get("sources", [])]
            _set_links(pattern.sources, pattern_sources, row=row, report=report)
            _load_prompts(item["prompts"], owner=pattern, update=update, report=report)

    for order, item in enumerate(data["feelings"], start=1):
        _upsert(
            Feeling,
            slug=item["slug"],
            fields={"name": item["name"], "group": item["group"], "order": order},
            update=update,
            report=report,
        )
    if crisis_lines is not None:
        _load_crisis_lines(crisis_lines, update, report)
    if report.changed_anything:
        content_changed()
    return report


def _load_crisis_lines(path: Path, update: bool, report: LoadReport) -> None:
    """The shipped crisis directory: one row per country, kind and service."""
    for item in json.loads(path.read_text(encoding="utf-8"))["crisis_lines"]:
        key = {name: item[name] for name in ("country", "kind", "service")}
        fields = {name: value for name, value in item.items() if name not in key}
        fields["last_verified"] = dt.date.fromisoformat(fields["last_verified"])
        line = CrisisLine.objects.filter(**key).first()
        if line is None:
            CrisisLine.objects.create(**key, **fields)
            report.count(CrisisLine, created=True, changed=True)
        elif update:
            changed = [name for name, value in fields.items() if getattr(line, name) != value]
            for name in changed:
                setattr(line, name, fields[name])
            if changed:
                line.save(update_fields=changed)
            report.count(CrisisLine, created=False, changed=bool(changed))
