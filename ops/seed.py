"""What the harnesses put in the database before a run, and the facts pages are addressed by.

A seeder is a function that writes rows (idempotently) and returns facts: strings that page
paths and forms in ops/pages.py name, like `{pattern_slug}`. `SEED_SETS` says which seeders each
harness runs. The harnesses call `main` in a subprocess with the run's settings:

    python manage.py shell --no-imports -c "from ops.seed import main; main('bench', 'f.json')"

After the quiz and journal merge: implement `seed_members` (below) and add it to the "bench"
set, and add seeders for whatever else the new pages name (a quiz attempt in progress, its next
step, a search word that occurs in entries), each returning the facts its pages use.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from django.db import transaction

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Pattern
from intimacy_app.content.services import library_load

Facts = dict[str, str]
Seeder = Callable[[], Facts]

# The member whose signed-in pages are measured. `.invalid` can never be a real address.
HEAVY_MEMBER_EMAIL = "heavy-member@bench.invalid"
HEAVY_MEMBER_PASSWORD = "a bench passphrase nobody will guess 7311"  # noqa: S105 - sandbox only


def seed_content() -> Facts:
    """The content library exactly as it ships, and a pattern page to measure."""
    library_load()
    pattern = Pattern.objects.published().first()
    if pattern is None:
        raise RuntimeError("The shipped library has no published pattern.")
    return {"pattern_slug": pattern.slug}


@transaction.atomic
def seed_heavy_member() -> Facts:
    """The member the benchmark signs in as, through the real login form."""
    if not User.objects.filter(email=HEAVY_MEMBER_EMAIL).exists():
        User.objects.create_user(email=HEAVY_MEMBER_EMAIL, password=HEAVY_MEMBER_PASSWORD)
    return {"member_email": HEAVY_MEMBER_EMAIL, "member_password": HEAVY_MEMBER_PASSWORD}


def seed_members(
    *,
    typical_members: int = 200,
    typical_entries: int = 50,
    heavy_entries: int = 5_000,
    heavy_attempts: int = 20,
) -> Facts:
    """Realistic data for issue 7, to be written once the quiz and journal exist.

    It is to give the heavy member (`seed_heavy_member`) `heavy_entries` journal entries and
    `heavy_attempts` completed quiz attempts, and create `typical_members` more members with
    about `typical_entries` entries each. Entries go through the journal's own write path for
    encryption (in bulk, not one request each), spread over two years, with every field kind
    filled in at realistic rates. It returns the facts the member pages need: an attempt id for
    the results page, an entry id, and a word that occurs in some entries for search.
    """
    raise NotImplementedError("seed_members is written after the quiz and journal merge.")


SEED_SETS: dict[str, Sequence[Seeder]] = {
    "bench": (seed_content, seed_heavy_member),
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
    Path(facts_path).write_text(json.dumps(facts, indent=2), encoding="utf-8")
