"""The Markdown export shows a member's words as written in any viewer: nothing they typed
becomes a link, an image, HTML, a heading, a list, a quote, a table or a code block."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from journal.exports import inert
from journal.models import ENCRYPTED_FIELDS
from tests.journal.factories import EntryFactory

# What CommonMark (and GitHub's extensions) would act on anywhere in a line, and at its start.
ACTIVE = set("\\`*_[]<&~|$")
LINE_START = re.compile(r"^ {0,3}([#>+\-=:]|\d+[.)])")
ADDRESS = re.compile(r"://|www\.|@", re.IGNORECASE)

HOSTILE = [
    "[click me](javascript:alert(1))",
    "![tracker](https://evil.example/pixel.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<https://evil.example>",
    "https://evil.example/path?q=1",
    "www.evil.example",
    "someone@evil.example",
    "[ref]: https://evil.example\n[ref]",
    "# A heading",
    "   ## indented heading",
    "> a quote",
    "- a list\n* another\n+ and another",
    "1. numbered\n2) and so on",
    "```\nfenced code\n```",
    "~~~\nfenced too\n~~~",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "***\n---\n___",
    "A title\n===",
    "A title\n---",
    "**bold** and _em_ and `code` and ~~struck~~",
    "&copy; &#x3C;b&#x3E;",
    "$x^2$ and $$y$$",
    "a trailing backslash \\",
    "Term\n: a definition",
    "a footnote[^1]\n\n[^1]: https://evil.example",
    "``double `back` ticks``",
    "`https://evil.example`",
    "line one\n\n    four spaces after a blank line",
]


def _shown(markdown: str) -> str:
    """What a CommonMark viewer shows for `inert`'s output, failing on anything active."""
    shown, i = [], 0
    at_line_start = True
    while i < len(markdown):
        if at_line_start:
            match = LINE_START.match(markdown, i)
            assert match is None, f"line starts with markup: {markdown[i : i + 20]!r}"
        char = markdown[i]
        at_line_start = char == "\n"
        if char == "\\":
            assert markdown[i + 1] in ACTIVE | set("#>+-=:.)"), markdown[i : i + 2]
            shown.append(markdown[i + 1])
            i += 2
        elif char == "`":
            fence = re.match(r"`+", markdown[i:])
            assert fence is not None
            end = markdown.index(fence.group(), i + len(fence.group()))
            content = markdown[i + len(fence.group()) : end]
            if content.startswith(" ") and content.endswith(" ") and content.strip():
                content = content[1:-1]
            shown.append(content)
            i = end + len(fence.group())
        else:
            assert char not in ACTIVE, f"unescaped {char!r} in {markdown!r}"
            shown.append(char)
            i += 1
    return "".join(shown)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_members_words_are_shown_as_written_and_never_act(text: str) -> None:
    markdown = inert(text)

    assert _shown(markdown) == text
    for word in markdown.split():
        if ADDRESS.search(word):
            assert word.startswith("`"), f"an address outside code: {word!r}"


def test_plain_sentences_stay_easy_to_read() -> None:
    text = "I said I'd call. Then didn't (again), because: fear."
    assert inert(text) == text


@pytest.mark.django_db
def test_the_whole_export_keeps_every_field_inert(member_client: Client, member: User) -> None:
    hostile = "\n".join(HOSTILE)
    EntryFactory(owner=member, **dict.fromkeys(ENCRYPTED_FIELDS, hostile))

    text = member_client.get(reverse("journal:export_file", args=["md"])).content.decode()

    assert text.count(inert(hostile)) == len(ENCRYPTED_FIELDS)
