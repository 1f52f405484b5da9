"""What the harnesses put in the database before a run, and the facts pages are addressed by.

A seeder is a function that writes rows (idempotently) and returns facts: strings that page
paths and forms in ops/pages.py name, like `{pattern_slug}`. `SEED_SETS` says which seeders each
harness runs. The harnesses call `main` in a subprocess with the run's settings:

    python manage.py shell --no-imports -c "from ops.seed import main; main('bench', 'f.json')"

`seed_members` writes the members, journals and quiz attempts the signed-in pages read; how
many depends on $BENCH_SEED_SIZE ("full" by default, "quick" for `--quick`, "tiny" in tests).
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Feeling, Pattern
from intimacy_app.content.services import library_load
from journal.models import Entry
from quiz import services as quiz_services
from quiz import versions as quiz_versions
from quiz.models import Answer, Attempt
from quiz.selectors.attempts import current_version

Facts = dict[str, str]
Seeder = Callable[[], Facts]

# The member whose signed-in pages are measured. `.invalid` can never be a real address.
HEAVY_MEMBER_EMAIL = "heavy-member@bench.invalid"
HEAVY_MEMBER_PASSWORD = "a bench passphrase nobody will guess 7311"  # noqa: S105 - sandbox only
# The typical members beside them, who share the heavy member's password.
TYPICAL_MEMBER_EMAIL = "member-{n}@bench.invalid"


def seed_content() -> Facts:
    """The content library exactly as it ships, a pattern page to measure, and every pattern
    and capacity page the mixed workload's readers open (slugs joined by commas)."""
    library_load()
    patterns = list(Pattern.objects.published().values_list("slug", flat=True))
    if not patterns:
        raise RuntimeError("The shipped library has no published pattern.")
    capacities = Capacity.objects.published().values_list("slug", flat=True)
    return {
        "pattern_slug": patterns[0],
        "pattern_slugs": ",".join(patterns),
        "capacity_slugs": ",".join(capacities),
    }


@transaction.atomic
def seed_heavy_member() -> Facts:
    """The member the benchmark signs in as, through the real login form."""
    if not User.objects.filter(email=HEAVY_MEMBER_EMAIL).exists():
        User.objects.create_user(email=HEAVY_MEMBER_EMAIL, password=HEAVY_MEMBER_PASSWORD)
    return {"member_email": HEAVY_MEMBER_EMAIL, "member_password": HEAVY_MEMBER_PASSWORD}


# --- Members and their journals ---------------------------------------------------------------

# How much `seed_members` writes: `make bench` seeds "full", `--quick` "quick"; the test suite
# uses "tiny" (see tests/ops). Heavy member's entries, attempts; typical members, their entries.
SEED_SIZES: dict[str, dict[str, int]] = {
    "full": {"heavy_entries": 5_000, "heavy_attempts": 20, "typical_members": 200},
    "quick": {"heavy_entries": 5_000, "heavy_attempts": 20, "typical_members": 20},
    "tiny": {"heavy_entries": 60, "heavy_attempts": 3, "typical_members": 2},
}
SEED_SIZE_VARIABLE = "BENCH_SEED_SIZE"
SEARCH_WORD = "dinner"
# Realistic enough for timing: mixed lengths, common words, the search word in about one in ten.
_SCENES = (
    "We were making {word} plans and my partner asked about next summer",
    "A friend texted that she missed me and wanted to talk tonight",
    "At the family {word} my mother asked when I would settle down",
    "My date held my hand in the cinema and I went quiet",
    "A colleague praised my work in front of everyone",
    "He said he loved me before I had decided anything",
    "She wanted to meet my friends this weekend",
    "We argued about money on the way home",
)
_WORDS = [
    "tight",
    "chest",
    "heavy",
    "shoulders",
    "warm",
    "face",
    "cold",
    "hands",
    "a",
    "knot",
    "in",
    "my",
    "stomach",
    "shallow",
    "breath",
    "I",
    "wanted",
    "to",
    "leave",
    "the",
    "room",
    "and",
    "check",
    "my",
    "phone",
    "make",
    "a",
    "joke",
    "change",
    "the",
    "subject",
    "they",
    "will",
    "see",
    "too",
    "much",
    "I",
    "am",
    "not",
    "enough",
    "this",
    "is",
    "a",
    "trap",
    "I",
    "will",
    "lose",
    "myself",
    "it",
    "is",
    "safer",
    "alone",
]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _entry_texts(rng: random.Random, number: int) -> dict[str, str]:
    word = SEARCH_WORD if number % 10 == 0 else "evening"
    texts = {
        "situation": rng.choice(_SCENES).format(word=word)
        + ". "
        + _sentence(rng, rng.randint(8, 60)),
        "body": _sentence(rng, rng.randint(5, 30)) if rng.random() < 0.7 else "",
        "story": _sentence(rng, rng.randint(5, 40)) if rng.random() < 0.6 else "",
        "next_time_note": _sentence(rng, rng.randint(4, 20)) if rng.random() < 0.3 else "",
        "follow_up_note": _sentence(rng, rng.randint(4, 25)) if rng.random() < 0.15 else "",
    }
    return texts


def _journal(owner: User, count: int, rng: random.Random, content: dict[str, list[Any]]) -> None:
    """`count` entries over two years, encrypted by the field's own code as bulk_create saves."""
    now = timezone.now()
    entries: list[Entry] = []
    for number in range(count):
        occurred = now - timedelta(minutes=rng.randint(5, 2 * 365 * 24 * 60))
        entry = Entry(
            id=uuid.uuid4(),
            owner=owner,
            occurred_at=occurred,
            created_at=occurred,
            updated_at=occurred,
            with_whom=rng.choice([*Entry.WithWhom.values, ""]),
            urge_strength=rng.choice([None, *range(11)]),
            action=rng.choice([*Entry.Action.values, ""]),
            alarm_check=rng.choice([*Entry.AlarmCheck.values, "", ""]),
            next_time_capacity=rng.choice(content["capacities"]) if rng.random() < 0.4 else None,
            tried=rng.choice(Entry.Tried.values) if rng.random() < 0.2 else "",
            **_entry_texts(rng, number),
        )
        entries.append(entry)
    Entry.objects.bulk_create(entries, batch_size=500)
    pattern_links = Entry.patterns.through
    feeling_links = Entry.feelings.through
    pattern_links.objects.bulk_create(
        [
            pattern_links(entry_id=entry.pk, pattern_id=pattern.pk)
            for entry in entries
            for pattern in rng.sample(content["patterns"], rng.randint(0, 2))
        ],
        batch_size=2000,
    )
    feeling_links.objects.bulk_create(
        [
            feeling_links(entry_id=entry.pk, feeling_id=feeling.pk)
            for entry in entries
            for feeling in rng.sample(content["feelings"], rng.randint(0, 3))
        ],
        batch_size=2000,
    )


def _completed_attempts(owner: User, count: int, rng: random.Random) -> None:
    """`count` attempts answered in full and scored by the quiz's own services."""
    version = current_version()
    if version is None:
        raise RuntimeError("The quiz has no published version.")
    items = list(version.items.all())
    session = SessionStore()
    for number in range(count):
        attempt = quiz_services.attempt_start(version=version, user=owner, session=session)
        Answer.objects.bulk_create(
            Answer(attempt=attempt, item=item, value=rng.randint(1, 5)) for item in items
        )
        quiz_services.attempt_complete(attempt=attempt)
        # Spread them over two years, oldest first, so history shows real trends.
        when = timezone.now() - timedelta(days=30 * (count - number))
        Attempt.objects.filter(pk=attempt.pk).update(
            started_at=when, updated_at=when, completed_at=when + timedelta(minutes=9)
        )


def _size() -> dict[str, int]:
    return SEED_SIZES[os.environ.get(SEED_SIZE_VARIABLE, "full")]


def seed_members(
    *,
    typical_members: int | None = None,
    typical_entries: int = 50,
    heavy_entries: int | None = None,
    heavy_attempts: int | None = None,
) -> Facts:
    """The heavy member's journal and quiz history, and many typical members beside them.

    Sizes default to `SEED_SIZES[$BENCH_SEED_SIZE]` ("full": 5,000 entries and 20 completed
    attempts for the heavy member, 200 typical members with about `typical_entries` entries and
    1-3 attempts each). Entries are written in bulk through the journal's encrypted field, so
    every row decrypts exactly as one saved through the form. Seeding again writes nothing new.
    Returns the facts the member pages need: the latest result, an unfinished attempt at its
    first step with that step's item ids, an entry id and a word that occurs in some entries;
    and how many typical members there are, for the mixed workload to sign in.
    """
    size = _size()
    typical_members = size["typical_members"] if typical_members is None else typical_members
    heavy_entries = size["heavy_entries"] if heavy_entries is None else heavy_entries
    heavy_attempts = size["heavy_attempts"] if heavy_attempts is None else heavy_attempts
    if current_version() is None:
        quiz_versions.instrument_load()
    heavy = User.objects.get(email=HEAVY_MEMBER_EMAIL)
    if not Entry.objects.filter(owner=heavy).exists():
        with transaction.atomic():
            _seed_everyone(heavy, typical_members, typical_entries, heavy_entries, heavy_attempts)
    typical = User.objects.filter(email__startswith="member-", email__endswith="@bench.invalid")
    return _member_facts(heavy) | {
        "typical_members": str(typical.count()),
        "typical_member_email": TYPICAL_MEMBER_EMAIL,
    }


def _seed_everyone(
    heavy: User, typical_members: int, typical_entries: int, heavy_entries: int, attempts: int
) -> None:
    rng = random.Random(7)  # noqa: S311 - made-up data, the same every run
    content: dict[str, list[Any]] = {
        "patterns": list(Pattern.objects.published()),
        "feelings": list(Feeling.objects.all()),
        "capacities": list(Capacity.objects.published()),
    }
    # The mixed workload signs typical members in through the login form; one hash for all.
    password = make_password(HEAVY_MEMBER_PASSWORD)
    typical = User.objects.bulk_create(
        User(email=TYPICAL_MEMBER_EMAIL.format(n=number), password=password)
        for number in range(typical_members)
    )
    _journal(heavy, heavy_entries, rng, content)
    _completed_attempts(heavy, attempts, rng)
    for member in typical:
        _journal(member, rng.randint(typical_entries // 2, typical_entries * 3 // 2), rng, content)
        _completed_attempts(member, rng.randint(1, 3), rng)


def _member_facts(heavy: User) -> Facts:
    version = current_version()
    assert version is not None
    first_step = list(version.items.values_list("pk", flat=True)[: version.items_per_step])
    latest = Attempt.objects.completed().filter(user=heavy).order_by("-completed_at").first()
    entry = Entry.objects.owned_by(heavy).newest_first().first()
    assert latest is not None and entry is not None
    return {
        "attempt_id": str(latest.pk),
        **{f"step_item_{n}": str(pk) for n, pk in enumerate(first_step, start=1)},
        "entry_id": str(entry.pk),
        "search_word": SEARCH_WORD,
    }


SEED_SETS: dict[str, Sequence[Seeder]] = {
    "bench": (seed_content, seed_heavy_member, seed_members),
    "faults": (seed_content,),
}


def run_seeders(seeders: Sequence[Seeder]) -> Facts:
    facts: Facts = {}
    for seeder in seeders:
        facts |= seeder()
    return facts


def main(set_name: str, facts_path: str) -> None:
    """Run one seed set and write the facts it returns as JSON."""
    facts = run_seeders(SEED_SETS[set_name])
    _gather_statistics()
    Path(facts_path).write_text(json.dumps(facts, indent=2), encoding="utf-8")


def _gather_statistics() -> None:
    """Bring the planner's statistics up to date, as a database in service has them: right
    after a bulk load PostgreSQL still plans for the empty tables it analysed last."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
