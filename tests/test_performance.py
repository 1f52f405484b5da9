"""The home page's first view is light, its assets are cached for a year, content is cached.

Static files are collected as production collects them (hashed names, WhiteNoise's brotli and
gzip copies) and served through WhiteNoise's middleware, so the bytes counted are the bytes a
browser that accepts brotli receives. The HTML is counted as the app sends it, uncompressed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from whitenoise.middleware import WhiteNoiseMiddleware

from intimacy_app.content.admin import PatternAdmin
from intimacy_app.content.models import Pattern
from intimacy_app.content.services import LoadReport

pytestmark = pytest.mark.django_db

HOME_BUDGET = 80 * 1024
A_YEAR = 365 * 24 * 60 * 60
ASSET = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="(/static/[^"]+)"')
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")


@pytest.fixture(scope="module")
def production_static(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WhiteNoiseMiddleware]:
    """Static files collected once into a temp dir with production's storage, and WhiteNoise."""
    production = override_settings(
        STATIC_ROOT=tmp_path_factory.mktemp("static"),
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
        WHITENOISE_AUTOREFRESH=False,
    )
    with production:
        call_command("collectstatic", "--no-input", verbosity=0)

        def not_static(request: HttpRequest) -> HttpResponse:
            return HttpResponse(status=404)

        yield WhiteNoiseMiddleware(not_static)


def _assets(html: str) -> list[str]:
    return sorted(set(ASSET.findall(html)))


def _served(whitenoise: WhiteNoiseMiddleware, url: str) -> tuple[int, HttpResponse]:
    request = RequestFactory().get(url, headers={"Accept-Encoding": "br, gzip"})
    response = whitenoise(request)
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    response.close()
    return len(body), response


def test_the_first_view_of_the_home_page_weighs_under_80_kb_over_the_wire(
    client: Client, production_static: WhiteNoiseMiddleware
) -> None:
    html = client.get("/").content
    assets = _assets(html.decode())
    weight = len(html) + sum(_served(production_static, url)[0] for url in assets)

    assert assets, "the home page loads no assets at all?"
    assert weight < HOME_BUDGET, f"{weight / 1024:.1f} KB for the HTML and {assets}"


def test_every_asset_of_the_home_page_has_a_hashed_name_and_is_cached_for_a_year(
    client: Client, production_static: WhiteNoiseMiddleware
) -> None:
    for url in _assets(client.get("/").text):
        _, response = _served(production_static, url)
        cache_control = response["Cache-Control"]
        max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))  # type: ignore[union-attr]

        assert HASHED.search(url), url
        assert response.status_code == 200, url
        assert max_age >= A_YEAR and "immutable" in cache_control, (url, cache_control)


def test_the_home_page_loads_no_script_that_blocks_rendering(client: Client) -> None:
    scripts = re.findall(r"<script\b[^>]*>", client.get("/").text)

    assert scripts
    assert all(" defer" in tag or 'type="module"' in tag for tag in scripts), scripts


def test_each_asset_url_is_hashed_by_whitenoise(
    production_static: WhiteNoiseMiddleware,
) -> None:
    names = ["css/site.css", "js/site.js", "img/favicon.svg", "vendor/htmx-2.0.11/htmx.min.js"]

    urls = [staticfiles_storage.url(name) for name in names]

    assert all(HASHED.search(url) for url in urls), urls


def test_a_changed_asset_gets_its_new_url_after_collectstatic(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "probe.css").write_text("body { color: black; }", encoding="utf-8")
    collected = override_settings(
        STATIC_ROOT=tmp_path / "collected",
        STATICFILES_DIRS=[source],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    )
    with collected:
        call_command("collectstatic", "--no-input", verbosity=0)
        before = staticfiles_storage.url("probe.css")
        (source / "probe.css").write_text("body { color: navy; }", encoding="utf-8")
        call_command("collectstatic", "--no-input", verbosity=0)
        after = staticfiles_storage.url("probe.css")

    assert HASHED.search(before) and HASHED.search(after)
    assert before != after


# --- The content library is read once, then served from the cache until it changes -------------


def test_a_pattern_page_seen_before_is_served_without_a_query(
    client: Client, library: LoadReport, django_assert_num_queries: Any
) -> None:
    url = reverse("content:pattern_detail", args=["leaving-first"])
    client.get(url)

    with django_assert_num_queries(0):
        response = client.get(url)

    assert response.status_code == 200


def test_a_pattern_edited_in_the_admin_shows_on_its_page_at_the_next_request(
    client: Client,
    library: LoadReport,
    rf: RequestFactory,
    django_capture_on_commit_callbacks: Any,
) -> None:
    pattern = Pattern.objects.get(slug="leaving-first")
    client.get(pattern.get_absolute_url())
    pattern.name = "Leaving before they can"

    with django_capture_on_commit_callbacks(execute=True):
        PatternAdmin(Pattern, admin.site).save_model(rf.post("/"), pattern, None, change=True)  # type: ignore[arg-type]

    assert "Leaving before they can" in client.get(pattern.get_absolute_url()).text


def test_a_pattern_unpublished_in_the_admin_leaves_its_page_at_the_next_request(
    client: Client,
    library: LoadReport,
    rf: RequestFactory,
    django_capture_on_commit_callbacks: Any,
) -> None:
    pattern = Pattern.objects.get(slug="leaving-first")
    client.get(pattern.get_absolute_url())
    client.get(reverse("content:pattern_list"))
    pattern.is_published = False

    with django_capture_on_commit_callbacks(execute=True):
        PatternAdmin(Pattern, admin.site).save_model(rf.post("/"), pattern, None, change=True)  # type: ignore[arg-type]

    assert client.get(pattern.get_absolute_url()).status_code == 404
    assert pattern.name not in client.get(reverse("content:pattern_list")).text
