"""`recent_auth_required`: pages that need the password to have been given recently."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from intimacy_app.accounts.decorators import recent_auth_required
from intimacy_app.accounts.sessions import CONFIRMED_AT
from intimacy_app.urls import urlpatterns as project_urlpatterns
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.test_decorators")]


@recent_auth_required
def guarded(request: HttpRequest) -> HttpResponse:
    return HttpResponse("the guarded page")


@recent_auth_required(max_age=timedelta(minutes=1))
def strictly_guarded(request: HttpRequest) -> HttpResponse:
    return HttpResponse("the strictly guarded page")


urlpatterns = [
    path("guarded/", guarded),
    path("strictly-guarded/", strictly_guarded),
    *project_urlpatterns,
]
CONFIRM = reverse("accounts:confirm", urlconf="intimacy_app.urls")


def _age_confirmation(client: Client, seconds: int) -> None:
    session = client.session
    session[CONFIRMED_AT] -= seconds
    session.save()


def test_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/guarded/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/guarded/"


def test_a_member_who_just_signed_in_goes_straight_through(member_client: Client) -> None:
    assert member_client.get("/guarded/").text == "the guarded page"


def test_a_member_whose_password_was_given_long_ago_is_asked_for_it_again(
    member_client: Client, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    response = member_client.get("/guarded/?tab=1")
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next=%2Fguarded%2F%3Ftab%3D1"


def test_confirming_the_password_leads_back_to_the_page(
    member_client: Client, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    response = member_client.post(CONFIRM, {"password": PASSWORD, "next": "/guarded/?tab=1"})
    assert response["Location"] == "/guarded/?tab=1"
    assert member_client.get("/guarded/").text == "the guarded page"


def test_a_wrong_password_is_refused_and_the_page_stays_closed(
    member_client: Client, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    response = member_client.post(CONFIRM, {"password": "not it", "next": "/guarded/"})
    assert response.status_code == 400
    assert "That password is not right." in response.text
    assert member_client.get("/guarded/").status_code == 302


def test_confirming_never_leads_off_the_site(
    member_client: Client, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    response = member_client.post(
        CONFIRM, {"password": PASSWORD, "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == reverse("accounts:account")


def test_the_allowed_age_is_chosen_per_view(member_client: Client) -> None:
    _age_confirmation(member_client, 120)
    assert member_client.get("/guarded/").status_code == 200
    assert member_client.get("/strictly-guarded/").status_code == 302


def test_a_form_cut_short_returns_to_the_page_it_was_sent_from(
    member_client: Client, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    response = member_client.post("/guarded/", HTTP_REFERER="http://testserver/account/?tab=2")
    assert response["Location"] == f"{CONFIRM}?next=%2Faccount%2F%3Ftab%3D2"


def test_a_form_cut_short_never_returns_to_another_site(
    member_client: Client, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    response = member_client.post("/guarded/", HTTP_REFERER="https://elsewhere.example/account/")
    assert response["Location"] == f"{CONFIRM}?next=%2Fguarded%2F"


def test_an_htmx_request_is_sent_to_confirm_with_a_full_page_redirect(
    member_client: Client, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    response = member_client.get("/guarded/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"{CONFIRM}?next=%2Fguarded%2F"
