"""The public pages of the library, as a visitor sees them."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.content.models import Capacity, Pattern
from intimacy_app.content.services import LoadReport
from tests.factories import CapacityFactory, PatternFactory, PromptFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_every_shipped_pattern_and_capacity_page_opens(client: Client, library: LoadReport) -> None:
    for obj in [*Pattern.objects.all(), *Capacity.objects.all()]:
        response = client.get(obj.get_absolute_url())
        assert response.status_code == 200, obj.slug
        assert obj.name in response.text


def test_a_pattern_page_shows_each_part_with_links_prompts_and_sources(client: Client) -> None:
    capacity = CapacityFactory(name="Staying with tenderness")
    hidden_capacity = CapacityFactory(name="Hidden capacity", is_published=False)
    source = SourceFactory(title="Attachment and loss", authors="Bowlby, J.", year=1988)
    pattern = PatternFactory(
        name="Leaving first",
        inside="The quiet certainty that it will end.",
        origins="Early experiences of being left.",
        capacities=[capacity, hidden_capacity],
    )
    pattern.sources.add(source)
    PromptFactory(pattern=pattern, text="When did you last leave before they could?")

    page = client.get(reverse("content:pattern_detail", args=[pattern.slug])).text

    for text in (
        "Leaving first",
        "The quiet certainty that it will end.",
        "Early experiences of being left.",
        "When did you last leave before they could?",
        "Attachment and loss",
        "Bowlby, J.",
        capacity.get_absolute_url(),
    ):
        assert text in page
    assert "Hidden capacity" not in page


def test_unpublished_and_unknown_patterns_are_not_found(client: Client) -> None:
    hidden = PatternFactory(is_published=False)
    assert client.get(reverse("content:pattern_detail", args=[hidden.slug])).status_code == 404
    assert client.get("/patterns/no-such-pattern/").status_code == 404
    assert client.get("/capacities/no-such-capacity/").status_code == 404


def test_the_library_lists_published_patterns_only(client: Client) -> None:
    shown = PatternFactory(name="Going quiet")
    PatternFactory(name="A draft pattern", is_published=False)
    page = client.get(reverse("content:pattern_list")).text
    assert shown.get_absolute_url() in page
    assert "A draft pattern" not in page


def test_a_capacity_page_links_back_to_the_patterns_it_eases(client: Client) -> None:
    capacity = CapacityFactory()
    pattern = PatternFactory(capacities=[capacity])
    page = client.get(capacity.get_absolute_url()).text
    assert pattern.get_absolute_url() in page


@pytest.mark.parametrize("url", ["/", "/patterns/", "/capacities/", "/safety/", "/privacy/"])
def test_every_page_offers_crisis_help_and_the_safety_page(
    client: Client, library: LoadReport, url: str
) -> None:
    page = client.get(url, headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert 'href="tel:988"' in page
    assert 'href="/safety/' in page
    assert 'href="/safety/lines/"' in page


def test_home_says_what_this_is_not_and_offers_both_ways_in(client: Client) -> None:
    page = client.get("/").text
    assert "not a diagnosis" in page
    assert reverse("quiz:start") in page
    assert reverse("content:pattern_list") in page


def test_safety_page_lists_the_visitors_lines_and_a_pointer_to_local_services(
    client: Client, library: LoadReport
) -> None:
    page = client.get("/safety/", headers={"Accept-Language": "en-US"}).text
    assert 'href="tel:988"' in page
    assert 'href="tel:18007997233"' in page  # the National Domestic Violence Hotline
    assert "local emergency number" in page
    assert "Staying is for closeness that is safe" in page


def test_pages_load_nothing_from_another_host(client: Client, library: LoadReport) -> None:
    pattern = Pattern.objects.first()
    assert pattern is not None
    for url in ["/", "/patterns/", pattern.get_absolute_url(), "/accounts/signup/", "/safety/"]:
        page = client.get(url).text
        loaded = re.findall(
            r'<(?:script|img|link|iframe|source)\b[^>]*(?:src|href)="([^"]+)"', page
        )
        assert loaded, url
        assert all(not re.match(r"^(https?:)?//", ref) for ref in loaded), (url, loaded)


@pytest.mark.parametrize("prefix", ["/patterns/", "/capacities/"])
def test_a_slug_longer_than_any_stored_one_is_simply_not_found(client: Client, prefix: str) -> None:
    assert client.get(f"{prefix}{'x' * 500}/").status_code == 404


def test_a_pattern_page_shows_its_evidence_label_and_what_helps_before_the_sources(
    client: Client, library: LoadReport
) -> None:
    page = client.get(reverse("content:pattern_detail", args=["going-quiet"])).text
    assert "How well supported:" in page
    assert "Well studied" in page
    helps = page.index("<h2>What helps</h2>")
    capacities = page.index("Capacities that help")
    sources = page.index("Where this comes from")
    assert helps < capacities < sources


def test_a_source_known_only_secondhand_says_so(client: Client, library: LoadReport) -> None:
    page = client.get(reverse("content:pattern_detail", args=["leaving-first"])).text
    assert "A Secure Base" in page
    assert "not independently checked" in page
    assert "Unattributed" not in page
