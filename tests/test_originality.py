"""Every sentence the product shows is our own: no run of 8 words is shared with the articles the
content was built from (../shared/seeds), apart from the titles of the works we cite.

The seeds live beside the repository, not in it; where they are absent the test is skipped and
says so. `SEEDS_DIR` points it somewhere else.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("SEEDS_DIR", ROOT.parent / "shared" / "seeds"))
LIBRARY = ROOT / "intimacy_app" / "content" / "data"
QUIZ_DATA = ROOT / "quiz" / "data"
TEMPLATES = ROOT / "templates"
RUN = 8

# Apostrophes and quotes come in several shapes; a word is the same word whichever is used.
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_TAG = re.compile(r"\{[%#{].*?[%#}]\}|<[^>]+>", re.DOTALL)


def words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return _WORD.findall(text)


def runs(text: str) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i : i + RUN]) for i in range(len(found) - RUN + 1)}


def strings(value: object) -> Iterator[str]:
    """Every string anywhere inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "url":  # a link is an address, not prose
                yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def cited_titles() -> list[str]:
    """The titles of the works the library cites, which may be quoted exactly."""
    titles = []
    for path in LIBRARY.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        titles += [source["title"] for source in data.get("sources", [])]
    return titles


def product_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for everything a reader can see: the library, quiz statements, templates."""
    titles = cited_titles()

    def without_titles(text: str) -> str:
        for title in titles:
            text = text.replace(title, " ")
        return text

    for path in sorted([*LIBRARY.glob("*.json"), *QUIZ_DATA.glob("*.json")]):
        data = json.loads(path.read_text(encoding="utf-8"))
        for text in strings(data):
            yield str(path.relative_to(ROOT)), without_titles(text)
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix in {".html", ".txt"}:
            text = _TAG.sub(" ", path.read_text(encoding="utf-8"))
            yield str(path.relative_to(ROOT)), without_titles(text)


@pytest.fixture(scope="module")
def seed_runs() -> set[tuple[str, ...]]:
    articles = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not articles:
        pytest.skip(f"the source articles are not here ({SEEDS}); set SEEDS_DIR to check")
    found: set[tuple[str, ...]] = set()
    for article in articles:
        found |= runs(article.read_text(encoding="utf-8"))
    return found


def test_no_text_a_reader_sees_shares_eight_words_in_a_row_with_the_source_articles(
    seed_runs: set[tuple[str, ...]],
) -> None:
    shared = sorted(
        {
            (where, " ".join(run))
            for where, text in product_texts()
            for run in runs(text) & seed_runs
        }
    )
    assert not shared, "\n".join(f"{where}: {run}" for where, run in shared)


def test_the_check_finds_a_copied_sentence() -> None:
    copied = "the wall built to keep out pain is also keeping out the joy"
    assert runs(copied) & runs(f"Some say {copied} of being accepted.")
    assert not runs(copied) & runs("a wall built against pain keeps joy out too, some say, rightly")
