"""The quiz as a person meets it: starting, stepping through with and without htmx, results,
history, and every way of sending something wrong."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Pattern
from quiz.models import Attempt, InstrumentVersion, PatternScore
from quiz.selectors.attempts import SESSION_KEY
from tests.factories import UserFactory
from tests.quiz.factories import ItemFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
# The shipped quiz, version 2: 66 statements, six a page.
STATEMENTS, PER_STEP, STEPS = 66, 6, 11


def _begin(client: Client, focus: str = "") -> str:
    response = client.post(reverse("quiz:begin"), {"focus": focus})
    assert response.status_code == 302
    return response["Location"]


def _fields(page: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'name="(item-\d+)"', page)))


def _answer(
    client: Client,
    url: str,
    value: str = "3",
    direction: str = "next",
    headers: dict[str, str] | None = None,
) -> Any:
    names = _fields(client.get(url).text)
    data = {**dict.fromkeys(names, value), "direction": direction}
    return client.post(url, data, headers=headers)


def _take(client: Client, value: str = "3", focus: str = "") -> Attempt:
    """Take the whole quiz by plain form posts, as a browser without JavaScript does."""
    url = _begin(client, focus)
    for _ in range(20):
        names = _fields(client.get(url).text)
        finishing = "See my results" in client.get(url).text
        response = client.post(
            url, {**dict.fromkeys(names, value), "direction": "finish" if finishing else "next"}
        )
        assert response.status_code == 302, response.text
        url = response["Location"]
        if "/results/" in url:
            return Attempt.objects.get(pk=url.rstrip("/").rsplit("/", 1)[-1])
    raise AssertionError("the quiz never finished")


def _attempt_of(client: Client) -> Attempt:
    return Attempt.objects.get(pk=client.session[SESSION_KEY][-1])


def _step_url(attempt: Attempt, number: int) -> str:
    return reverse("quiz:step", args=[attempt.pk, number])


# --- The start page ------------------------------------------------------------------------------


def test_the_start_page_links_the_privacy_page_before_the_first_question(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    page = client.get(reverse("quiz:start")).text
    assert 'href="/privacy/"' in page
    assert page.index('href="/privacy/"') < page.index('action="/quiz/begin/"')
    assert "66 short statements" in page
    assert "about 9 minutes" in page  # 66 statements of 12.4 words: see test_loader
    assert "signals, not a diagnosis" in page


def test_the_focus_question_is_optional_and_offers_four_answers(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    page = client.get(reverse("quiz:start")).text
    assert "(optional)" in page
    for label in ("A partner", "Friends", "Family", "Closeness in general"):
        assert label in page
    assert 'name="focus"' in page and "required" not in page.split('name="focus"')[1][:80]


def test_without_a_published_quiz_the_start_page_says_it_is_being_prepared(
    client: Client, db: None
) -> None:
    response = client.get(reverse("quiz:start"))
    assert response.status_code == 200
    assert "being prepared" in response.text
    assert client.post(reverse("quiz:begin")).status_code == 404


def test_an_unknown_focus_is_refused_with_a_message(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    response = client.post(reverse("quiz:begin"), {"focus": "my boss"})
    assert response.status_code == 400
    assert "Please choose one of the options" in response.text
    assert not Attempt.objects.exists()


def test_beginning_keeps_the_visitors_attempt_in_their_session_and_opens_step_one(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    url = _begin(client, "family")
    attempt = _attempt_of(client)
    assert url == _step_url(attempt, 1)
    assert (attempt.user, attempt.focus, attempt.version) == (None, "family", quiz_instrument)


# --- Taking it -----------------------------------------------------------------------------------


def test_a_step_shows_its_progress_and_six_statements_with_five_labelled_answers(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    page = client.get(_begin(client)).text
    assert "Step 1 of 11" in page
    assert '<progress max="11" value="1"' in page
    assert page.count("<fieldset") == PER_STEP and page.count("<legend") == PER_STEP
    assert "When someone starts to matter to me, I think about ending things." in page
    assert "over the past month" in page
    for label in ("Not like me", "A little like me", "Somewhat like me", "Mostly like me"):
        assert page.count(f"<span>{label}</span>") == PER_STEP
    assert page.count('type="radio"') == 5 * PER_STEP
    assert 'data-hx-post="' in page and 'data-hx-target="#quiz-step"' in page
    assert 'method="post"' in page  # the same form works without JavaScript


def test_a_visitor_can_take_the_whole_quiz_without_javascript(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    attempt = _take(client, value="5")
    response = client.get(reverse("quiz:result", args=[attempt.pk]))
    assert response.status_code == 200
    assert attempt.answers.count() == STATEMENTS
    assert attempt.scores.count() == 13
    # Five to everything: plain statements count 5, reverse-keyed 1; three and two a pattern:
    # 17 / 5 = 3.4 -> 60. All alike, so the result is marked hard to read.
    assert list(attempt.scores.values_list("score", flat=True)) == [pytest.approx(60)] * 13
    assert Attempt.objects.get(pk=attempt.pk).hard_to_read


def test_with_htmx_a_step_post_returns_the_next_step_fragment_and_pushes_its_address(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    url = _begin(client)
    attempt = _attempt_of(client)

    response = _answer(client, url, "4", headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Push-Url"] == _step_url(attempt, 2)
    assert "Step 2 of 11" in response.text
    assert "<title>Step 2 of 11" in response.text
    assert "<footer" not in response.text and "<html" not in response.text
    assert 'data-hx-post="' + _step_url(attempt, 2) in response.text
    assert attempt.answers.count() == PER_STEP


def test_with_htmx_the_step_takes_the_pages_csrf_token_from_the_header_htmx_sends(
    quiz_instrument: InstrumentVersion,
) -> None:
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("quiz:start")).text
    start = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert start is not None
    url = browser.post(reverse("quiz:begin"), {"csrfmiddlewaretoken": start[1]})["Location"]
    page = browser.get(url).text
    header = re.search(r'"X-CSRFToken": "([^"]+)"', page)
    assert header is not None
    assert 'name="csrfmiddlewaretoken"' in page  # the page's own form works without JavaScript
    data = {**dict.fromkeys(_fields(page), "3"), "direction": "next"}

    refused = browser.post(url, data, headers=HTMX)
    fragment = browser.post(url, data, headers={**HTMX, "X-CSRFToken": header[1]})

    assert refused.status_code == 403
    assert fragment.status_code == 200
    assert "csrfmiddlewaretoken" not in fragment.text  # htmx sends the page's token instead
    assert fragment["HX-Push-Url"].endswith("/step/2/")


def test_with_htmx_the_last_step_sends_the_browser_to_the_results(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    attempt = _attempt_of(client)
    for number in range(1, STEPS):
        _answer(client, _step_url(attempt, number))
    response = _answer(client, _step_url(attempt, STEPS), direction="finish", headers=HTMX)
    assert response["HX-Redirect"] == reverse("quiz:result", args=[attempt.pk])
    assert Attempt.objects.get(pk=attempt.pk).is_complete


def test_going_back_keeps_what_was_answered_on_the_step_even_if_unfinished(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    attempt = _attempt_of(client)
    _answer(client, _step_url(attempt, 1), "2")
    page = client.get(_step_url(attempt, 2)).text
    first = _fields(page)[0]

    response = client.post(_step_url(attempt, 2), {first: "5", "direction": "back"})

    assert response["Location"] == _step_url(attempt, 1)
    assert attempt.answers.count() == PER_STEP + 1
    back = client.get(_step_url(attempt, 1)).text
    assert len(re.findall(r'value="2"[^>]*checked', back)) == PER_STEP
    assert len(re.findall(r'value="5"[^>]*checked', client.get(_step_url(attempt, 2)).text)) == 1


def test_going_back_with_htmx_shows_the_previous_step_with_its_answers_checked(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    attempt = _attempt_of(client)
    _answer(client, _step_url(attempt, 1), "2")
    response = client.post(_step_url(attempt, 2), {"direction": "back"}, headers=HTMX)
    assert response["HX-Push-Url"] == _step_url(attempt, 1)
    assert "Step 1 of 11" in response.text
    assert len(re.findall(r'value="2"[^>]*checked', response.text)) == PER_STEP


def test_a_half_finished_attempt_resumes_where_it_stopped(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    attempt = _attempt_of(client)
    for number in (1, 2, 3):
        _answer(client, _step_url(attempt, number))

    start = client.get(reverse("quiz:start")).text  # the tab was closed; the session remains
    assert "You stopped at step 4 of 11" in start
    assert f'href="{_step_url(attempt, 4)}"' in start
    assert client.get(_step_url(attempt, 8))["Location"] == _step_url(attempt, 4)


def test_a_members_unfinished_attempt_resumes_from_the_database_in_a_new_browser(
    client: Client, quiz_instrument: InstrumentVersion, member: User
) -> None:
    client.force_login(member)
    _begin(client)
    attempt = Attempt.objects.get(user=member)
    _answer(client, _step_url(attempt, 1))

    elsewhere = Client()
    elsewhere.force_login(member)
    assert f'href="{_step_url(attempt, 2)}"' in elsewhere.get(reverse("quiz:start")).text


def test_starting_again_clears_the_unfinished_answers(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    first = _attempt_of(client)
    _answer(client, _step_url(first, 1))
    _begin(client)
    assert not Attempt.objects.filter(pk=first.pk).exists()
    assert Attempt.objects.count() == 1


# --- Refusing what is wrong ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9", "0", "abc", "3.5", ""])
def test_a_bad_or_missing_answer_gets_a_clear_message_a_400_and_saves_nothing(
    client: Client, quiz_instrument: InstrumentVersion, value: str
) -> None:
    url = _begin(client)
    names = _fields(client.get(url).text)
    data = {**dict.fromkeys(names, "3"), names[-1]: value, "direction": "next"}

    response = client.post(url, data)

    assert response.status_code == 400
    assert "Something needs another look" in response.text
    assert f"Statement {PER_STEP}:" in response.text
    assert not _attempt_of(client).answers.exists()


def test_an_htmx_step_with_a_missing_answer_returns_the_fragment_with_messages(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    url = _begin(client)
    response = client.post(url, {"direction": "next"}, headers=HTMX)
    assert response.status_code == 400
    assert "<footer" not in response.text
    # Each statement's message twice: in the summary list and at the statement.
    assert response.text.count("Please choose an answer for this statement.") == 2 * PER_STEP
    assert 'href="#q-' in response.text


def test_an_answer_to_a_statement_of_another_quiz_is_refused_and_nothing_saved(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    url = _begin(client)
    names = _fields(client.get(url).text)
    stranger = ItemFactory.create()
    data = {**dict.fromkeys(names, "3"), f"item-{stranger.pk}": "3", "direction": "next"}

    response = client.post(url, data)

    assert response.status_code == 400
    assert "not on this page" in response.text
    assert not _attempt_of(client).answers.exists()


def test_an_unknown_or_malformed_attempt_id_is_not_found(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    assert client.get(_step_url(Attempt(pk=uuid.uuid4()), 1)).status_code == 404
    assert client.get("/quiz/not-a-uuid/step/1/").status_code == 404
    assert client.get(reverse("quiz:result", args=[uuid.uuid4()])).status_code == 404


@pytest.mark.parametrize("number", [0, 12, 999])
def test_a_step_that_does_not_exist_is_not_found(
    client: Client, quiz_instrument: InstrumentVersion, number: int
) -> None:
    _begin(client)
    assert client.get(_step_url(_attempt_of(client), number)).status_code == 404
    assert client.post(_step_url(_attempt_of(client), number), {}).status_code == 404


def test_someone_elses_attempt_is_not_found_and_stays_untouched(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    visitor_attempt = _attempt_of(client)
    finished = _take(Client())
    stranger = Client()
    stranger.force_login(UserFactory.create())

    for outsider in (Client(), stranger):
        assert outsider.get(_step_url(visitor_attempt, 1)).status_code == 404
        assert (
            outsider.post(_step_url(visitor_attempt, 1), {"direction": "next"}).status_code == 404
        )
        assert outsider.get(reverse("quiz:result", args=[finished.pk])).status_code == 404
    assert not visitor_attempt.answers.exists()


def _half_answered(client: Client) -> Attempt:
    """Begin the quiz and answer step 1, then show step 2: the attempt has answers, so its
    version is frozen and its statements come from the cache."""
    _begin(client)
    attempt = _attempt_of(client)
    _answer(client, _step_url(attempt, 1), value="2")
    assert client.get(_step_url(attempt, 2)).status_code == 200
    return attempt


def test_a_half_answered_attempt_of_someone_else_is_still_not_found_and_stays_untouched(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    attempt = _half_answered(client)
    names = _fields(client.get(_step_url(attempt, 1)).text)
    stranger = Client()
    stranger.force_login(UserFactory.create())

    for outsider in (Client(), stranger):
        data = {**dict.fromkeys(names, "5"), "direction": "next"}
        assert outsider.post(_step_url(attempt, 1), data, headers=HTMX).status_code == 404
    assert set(attempt.answers.values_list("value", flat=True)) == {2}


def test_a_half_answered_attempt_saves_and_shows_the_next_step_with_its_saved_answers(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    attempt = _half_answered(client)
    _answer(client, _step_url(attempt, 2), value="4")
    back = _answer(client, _step_url(attempt, 3), value="5", direction="back", headers=HTMX)

    assert back.status_code == 200
    assert back["HX-Push-Url"] == _step_url(attempt, 2)
    assert len(re.findall(r'value="4" id="[^"]+" required checked', back.text)) == PER_STEP
    assert attempt.answers.filter(value=5).count() == PER_STEP  # going back saved step 3 too
    assert attempt.answers.count() == 3 * PER_STEP


def test_a_half_answered_attempt_with_a_missing_answer_is_refused_with_its_saved_answers_shown(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    attempt = _half_answered(client)
    names = _fields(client.get(_step_url(attempt, 1)).text)
    data = {**dict.fromkeys(names[:-1], "5"), "direction": "next"}

    response = client.post(_step_url(attempt, 1), data, headers=HTMX)

    assert response.status_code == 400
    assert "Please choose an answer for this statement." in response.text
    assert set(attempt.answers.values_list("value", flat=True)) == {2}


def test_a_half_answered_attempt_finished_elsewhere_sends_its_next_save_to_the_results(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    attempt = _half_answered(client)
    names = _fields(client.get(_step_url(attempt, 1)).text)
    for number in range(2, STEPS + 1):
        direction = "finish" if number == STEPS else "next"
        _answer(client, _step_url(attempt, number), direction=direction)
    attempt.refresh_from_db()
    assert attempt.is_complete

    response = client.post(_step_url(attempt, 1), dict.fromkeys(names, "5"), headers=HTMX)

    assert response["HX-Redirect"] == reverse("quiz:result", args=[attempt.pk])
    assert not attempt.answers.filter(value=5).exists()


def test_a_double_submit_of_the_last_step_scores_once_and_shows_the_results(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    attempt = _attempt_of(client)
    for number in range(1, STEPS):
        _answer(client, _step_url(attempt, number))
    last = _step_url(attempt, STEPS)
    names = _fields(client.get(last).text)
    data = {**dict.fromkeys(names, "4"), "direction": "finish"}

    first, second = client.post(last, data), client.post(last, data)

    results = reverse("quiz:result", args=[attempt.pk])
    assert first["Location"] == second["Location"] == results
    assert PatternScore.objects.filter(attempt=attempt).count() == 13
    assert "already finished" in client.get(results).text
    assert client.post(last, data, headers=HTMX)["HX-Redirect"] == results


def test_finishing_with_an_earlier_step_unanswered_returns_to_that_step(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    attempt = _attempt_of(client)
    _answer(client, _step_url(attempt, 1))
    last_page = list(quiz_instrument.items.order_by("order"))[-PER_STEP:]
    data = {f"item-{item.pk}": "3" for item in last_page}

    response = client.post(_step_url(attempt, STEPS), {**data, "direction": "finish"})

    assert response["Location"] == _step_url(attempt, 2)
    assert "still need an answer" in client.get(response["Location"]).text
    assert not Attempt.objects.get(pk=attempt.pk).is_complete


def test_the_results_of_an_unfinished_attempt_send_you_back_to_finish_it(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    _begin(client)
    attempt = _attempt_of(client)
    response = client.get(reverse("quiz:result", args=[attempt.pk]))
    assert response["Location"] == _step_url(attempt, 1)


# --- Results -------------------------------------------------------------------------------------


@pytest.fixture
def finished(client: Client, quiz_instrument: InstrumentVersion) -> Attempt:
    """A visitor's attempt where "Going quiet" is strongest (plain 5s, its reverse items 1,
    so 100); every other pattern low (plain 2s, reverse 4s, so 25); daily life answered 3."""
    url = _begin(client, "partner")
    attempt = _attempt_of(client)
    items = {item.pk: item for item in quiz_instrument.items.select_related("pattern")}
    for number in range(1, STEPS + 1):
        url = _step_url(attempt, number)
        data: dict[str, str] = {"direction": "finish" if number == STEPS else "next"}
        for name in _fields(client.get(url).text):
            item = items[int(name.removeprefix("item-"))]
            strong = item.pattern is not None and item.pattern.slug == "going-quiet"
            if item.pattern is None:
                data[name] = "3"
            elif strong:
                data[name] = "1" if item.reverse_keyed else "5"
            else:
                data[name] = "4" if item.reverse_keyed else "2"
        client.post(url, data)
    attempt.refresh_from_db()
    assert attempt.is_complete
    return attempt


def test_results_rank_every_pattern_in_a_chart_with_the_same_numbers_in_a_table(
    client: Client, finished: Attempt
) -> None:
    page = client.get(reverse("quiz:result", args=[finished.pk])).text
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert svg.count('class="bar bar-') == 13
    table = page[page.index("<table") : page.index("</table>")]
    names = re.findall(r'<th scope="row">([^<]+)</th>', table)
    assert len(names) == 13 and names[0] == "Going quiet"
    # The likely range is one SEM either side: 18 * sqrt(1 - 0.67) = 10.34 points.
    assert "<td>100</td><td>90 to 100</td><td>Shows up strongly</td>" in table
    assert "<td>25 (tied)</td><td>15 to 35</td><td>In the background</td>" in table


def test_results_lead_with_the_strongest_patterns_their_capacities_and_two_prompts(
    client: Client, finished: Attempt
) -> None:
    page = client.get(reverse("quiz:result", args=[finished.pk])).text
    highlights = page[page.index('class="highlight-list"') : page.index("</ol>")]
    quiet = Pattern.objects.get(slug="going-quiet")
    assert quiet.get_absolute_url() in highlights
    for capacity in quiet.capacities.all():
        assert capacity.get_absolute_url() in highlights
    prompts = [escape(prompt.text) for prompt in quiet.prompts.all()]
    assert prompts[0] in highlights and prompts[1] in highlights
    assert prompts[2] not in highlights
    # Going quiet stands alone; the others are all low, so none is suggested with it.
    assert highlights.count('class="panel highlight"') == 1


def test_results_say_signals_not_a_diagnosis_and_link_to_safety(
    client: Client, finished: Attempt
) -> None:
    page = client.get(reverse("quiz:result", args=[finished.pk])).text
    assert "Signals, not a diagnosis" in page
    assert 'href="/safety/"' in page
    assert "What showed up for you with a partner" in page


def test_a_visitor_is_offered_to_keep_the_result_by_signing_up(
    client: Client, finished: Attempt
) -> None:
    results = reverse("quiz:result", args=[finished.pk])
    page = client.get(results).text
    assert f'href="/accounts/signup/?next={results}"' in page
    assert f'href="/accounts/login/?next={results}"' in page


def test_results_pages_are_private_and_never_cached(client: Client, finished: Attempt) -> None:
    response = client.get(reverse("quiz:result", args=[finished.pk]))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("page", ["start", "step", "result"])
def test_quiz_pages_have_no_inline_styles_or_scripts_for_the_csp(
    client: Client, finished: Attempt, page: str
) -> None:
    url = {
        "start": reverse("quiz:start"),
        "step": _begin(client),
        "result": reverse("quiz:result", args=[finished.pk]),
    }[page]
    response = client.get(url)
    assert "Content-Security-Policy" in response
    assert " style=" not in response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert "/static/css/quiz.css" in response.text


def test_the_stored_scores_and_names_show_even_after_the_library_changes(
    client: Client, finished: Attempt
) -> None:
    Pattern.objects.filter(slug="going-quiet").update(name="Renamed by an editor")
    page = client.get(reverse("quiz:result", args=[finished.pk])).text
    assert "Going quiet" in page and "Renamed by an editor" not in page


# --- Claiming and members ------------------------------------------------------------------------


def test_signing_up_from_the_results_keeps_them_with_the_new_account(
    client: Client, finished: Attempt
) -> None:
    results = reverse("quiz:result", args=[finished.pk])
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": "kept@example.com",
            "password1": "slow mornings by the window",
            "password2": "slow mornings by the window",
            "next": results,
        },
    )
    assert response["Location"] == results
    finished.refresh_from_db()
    assert finished.user == User.objects.get(email="kept@example.com")
    page = client.get(results)
    assert page.status_code == 200
    assert "Keep this result" not in page.text


def test_signing_in_claims_a_half_finished_attempt_to_carry_on_as_a_member(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    from tests.factories import PASSWORD

    member: User = UserFactory.create(email="back@example.com")
    _begin(client)
    attempt = _attempt_of(client)
    _answer(client, _step_url(attempt, 1))

    client.post(reverse("accounts:login"), {"username": "back@example.com", "password": PASSWORD})

    attempt.refresh_from_db()
    assert attempt.user == member
    assert f'href="{_step_url(attempt, 2)}"' in client.get(reverse("quiz:start")).text


def test_history_asks_visitors_to_sign_in(client: Client, db: None) -> None:
    response = client.get(reverse("quiz:history"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _backdate(attempt: Attempt, *, days: int) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(completed_at=timezone.now() - timedelta(days=days))


def test_history_shows_each_result_and_marks_only_real_changes(
    client: Client, quiz_instrument: InstrumentVersion, member: User
) -> None:
    client.force_login(member)
    # Each pattern has three plain statements and two reverse-keyed: all 1s -> (3 + 10) / 5
    # = 2.6 -> 40; all 4s -> (12 + 4) / 5 = 3.2 -> 55; all 5s -> (15 + 2) / 5 = 3.4 -> 60.
    # The overall score moves the same. Pattern threshold 28.66, overall 10.52 (test_scoring).
    _backdate(_take(client, value="1"), days=60)
    _backdate(_take(client, value="4"), days=30)
    _take(client, value="5")

    page = client.get(reverse("quiz:history")).text

    assert page.count('class="sparkline"') == 14  # the overall score and thirteen patterns
    assert page.count("40 → 55 → 60") == 14
    assert page.count("+5: within the usual wobble") == 14  # since last time
    assert page.count("+20: within the usual wobble") == 13  # since the first, each pattern
    assert page.count("+20: a real change, it shows up more") == 1  # overall
    assert re.search(r"move by about\s+29 points", page)
    assert re.search(r"overall score by about\s+11", page)
    assert "Closeness in general · quiz version 2" in page
    for attempt in Attempt.objects.filter(user=member):
        assert reverse("quiz:result", args=[attempt.pk]) in page


def test_history_keeps_a_retake_within_three_weeks_but_does_not_judge_it(
    client: Client, quiz_instrument: InstrumentVersion, member: User
) -> None:
    client.force_login(member)
    _backdate(_take(client, value="1"), days=10)
    _take(client, value="5")

    page = client.get(reverse("quiz:history")).text

    assert page.count("40 → 60") == 14
    assert page.count("+20: too soon to judge (10 days apart)") == 14
    assert "a real change, it" not in page


def test_history_compares_results_only_with_the_same_people_in_mind(
    client: Client, quiz_instrument: InstrumentVersion, member: User
) -> None:
    client.force_login(member)
    _backdate(_take(client, value="1", focus="partner"), days=30)
    _take(client, value="5", focus="friends")

    page = client.get(reverse("quiz:history")).text

    assert "Friends · quiz version 2" in page
    assert "A partner, or someone I&#x27;m dating · quiz version 2" in page
    assert page.index("Friends ·") < page.index("A partner")  # the newest track first
    assert "Since last time" not in page and "40 → 60" not in page


def test_history_with_nothing_finished_invites_a_first_go(
    member_client: Client, quiz_instrument: InstrumentVersion
) -> None:
    page = member_client.get(reverse("quiz:history")).text
    assert "Nothing here yet" in page
    assert 'href="/quiz/"' in page
