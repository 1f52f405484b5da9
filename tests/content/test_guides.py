"""The reading pages: attachment, privacy or avoidance, the loop, change, partners, evidence."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.content.views import GUIDES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", GUIDES)
def test_every_reading_page_opens_and_is_listed(client: Client, slug: str) -> None:
    url = reverse("content:guide", args=[slug])
    assert client.get(url).status_code == 200
    assert f'href="{url}"' in client.get(reverse("content:guide_list")).text


def test_an_unknown_reading_page_is_not_found(client: Client) -> None:
    assert client.get("/understanding/no-such-page/").status_code == 404


def test_the_self_check_is_not_scored(client: Client) -> None:
    page = client.get(reverse("content:guide", args=["private-introverted-or-pulling-away"]))
    assert "no score" in page.text
    assert "<form" not in page.text.split("<main", 1)[1]


def test_the_evidence_page_explains_each_label_by_anchor(client: Client) -> None:
    page = client.get(reverse("content:guide", args=["about-the-evidence"])).text
    for anchor in ("studied", "clinical", "idea"):
        assert f'id="{anchor}"' in page


def test_the_partners_page_says_leaving_is_right_when_someone_controls_you(
    client: Client,
) -> None:
    page = client.get(reverse("content:guide", args=["for-partners-and-friends"])).text
    assert "Staying is for closeness that is safe" in page
    assert "I need space" in page
