"""The crisis directory: the line for the visitor's country in every footer, chosen or guessed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.content.crisis import COUNTRY_COOKIE, region_from_accept_language
from intimacy_app.content.models import CrisisLine
from intimacy_app.content.services import LoadReport

pytestmark = pytest.mark.django_db

SHIPPED = {"US", "CA", "GB", "IE", "AU", "NZ", "DE", "FR", "ES", "MX", "IN"}


def test_a_fresh_install_lists_a_checked_crisis_line_for_every_promised_country(
    library: LoadReport,
) -> None:
    lines = CrisisLine.objects.published()
    crisis = {line.country for line in lines if line.kind == CrisisLine.Kind.CRISIS}
    assert crisis >= SHIPPED
    assert all(line.url.startswith("https://") and line.last_verified for line in lines)
    assert all(line.phone or line.text for line in lines)


@pytest.mark.parametrize(
    ("languages", "number"),
    [
        ("en-GB,en;q=0.9", "116 123"),
        ("de-DE,de;q=0.9,en;q=0.5", "0800 111 0 111"),
        ("fr-FR", "3114"),
        ("es-MX,es;q=0.9", "800 911 2000"),
        ("es-ES", "024"),
        ("en-IN", "14416"),
        ("en-AU", "13 11 14"),
        ("en-NZ", "1737"),
        ("en-IE", "116 123"),
        ("fr-CA,en-CA;q=0.8", "988"),
    ],
)
def test_the_footer_shows_the_line_for_the_browsers_country(
    client: Client, library: LoadReport, languages: str, number: str
) -> None:
    page = client.get("/", headers={"Accept-Language": languages}).text
    footer = page.split('<footer class="site-footer">', 1)[1]
    assert f">{number}</a>" in footer


def test_pages_say_they_vary_with_the_browsers_language_and_cookies(
    client: Client, library: LoadReport
) -> None:
    # The footer's line differs by Accept-Language and by the country cookie, so a cache in
    # between must not give one visitor's page to another.
    for url in ("/", "/patterns/", "/safety/lines/"):
        response = client.get(url, headers={"Accept-Language": "en-GB"})
        vary = {part.strip().lower() for part in response["Vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary, url


def test_with_no_region_the_footer_points_to_local_emergency_help_and_the_full_list(
    client: Client, library: LoadReport
) -> None:
    page = client.get("/", headers={"Accept-Language": "en"}).text
    footer = page.split('<footer class="site-footer">', 1)[1]
    assert "local emergency number" in footer
    assert 'href="/safety/lines/"' in footer
    assert 'href="tel:' not in footer


def test_a_chosen_country_is_remembered_over_the_browsers_language(
    client: Client, library: LoadReport
) -> None:
    response = client.post(reverse("content:choose_country"), {"country": "NZ"})
    assert response.status_code == 302
    assert response.cookies[COUNTRY_COOKIE].value == "NZ"
    assert response.cookies[COUNTRY_COOKIE]["httponly"]

    page = client.get("/patterns/", headers={"Accept-Language": "en-US"}).text
    footer = page.split('<footer class="site-footer">', 1)[1]
    assert ">1737</a>" in footer
    assert "988" not in footer


def test_choosing_the_browsers_guess_again_forgets_the_choice(
    client: Client, library: LoadReport
) -> None:
    client.post(reverse("content:choose_country"), {"country": "NZ"})
    client.post(reverse("content:choose_country"), {"country": ""})
    page = client.get("/", headers={"Accept-Language": "en-US"}).text
    assert 'href="tel:988"' in page


@pytest.mark.parametrize("country", ["ZZ", "gb'><script>", "x" * 300])
def test_an_unknown_country_gets_a_clear_400_and_no_cookie(
    client: Client, library: LoadReport, country: str
) -> None:
    response = client.post(reverse("content:choose_country"), {"country": country})
    assert response.status_code == 400
    assert "Please choose a country from the list." in response.text
    assert COUNTRY_COOKIE not in response.cookies


def test_the_full_list_shows_every_country_with_the_date_each_line_was_checked(
    client: Client, library: LoadReport
) -> None:
    page = client.get(reverse("content:crisis_lines")).text
    for name in ("United States", "Canada", "United Kingdom", "India", "Mexico", "Germany"):
        assert f">{name}</h3>" in page
    assert "Last checked 3 December 2026" in page
    assert "Domestic abuse:" in page


def test_the_full_list_works_without_javascript_as_a_plain_form(
    client: Client, library: LoadReport
) -> None:
    page = client.get(reverse("content:crisis_lines")).text
    assert f'action="{reverse("content:choose_country")}"' in page
    assert '<option value="GB">United Kingdom</option>' in page


def test_a_page_seen_before_reads_its_footer_line_from_the_cache(
    client: Client, library: LoadReport, django_assert_num_queries: Any
) -> None:
    url = reverse("content:pattern_detail", args=["leaving-first"])
    client.get(url, headers={"Accept-Language": "en-GB"})
    with django_assert_num_queries(0):
        page = client.get(url, headers={"Accept-Language": "en-GB"}).text
    assert ">116 123</a>" in page


@pytest.mark.parametrize(
    ("header", "country"),
    [
        ("en-US", "US"),
        ("en;q=0.9, de-DE;q=0.8, en-GB;q=0.95", "GB"),
        ("es-419,es;q=0.9", ""),  # a region that is not a country
        ("en-UK", "GB"),
        ("*", ""),
        ("en-XX,fr-FR;q=0.5", "FR"),
        ("de-DE;q=abc,en-AU", "AU"),
        ("", ""),
    ],
)
def test_the_browsers_region_is_read_in_order_of_preference(header: str, country: str) -> None:
    assert region_from_accept_language(header, {"US", "GB", "FR", "AU", "DE"}) == country


def test_a_line_is_stale_after_a_year() -> None:
    line = CrisisLine(last_verified=dt.date(2025, 1, 1))
    assert not line.is_stale(dt.date(2025, 12, 31))
    assert line.is_stale(dt.date(2026, 1, 3))
