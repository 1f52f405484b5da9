"""The quiz pages: start or resume, one step at a time, results, and a member's history.

Each step is a plain form that posts and redirects; with htmx the same form swaps just the
step region and the server pushes the new step's address, so the URL always stays real.
"""

from __future__ import annotations

import uuid
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, push_url
from django_htmx.middleware import HtmxDetails

from intimacy_app import charts
from intimacy_app.accounts import member_cache
from intimacy_app.accounts.models import User
from intimacy_app.content.selectors import library_version
from quiz import services
from quiz.forms import StartForm, StepForm
from quiz.models import Attempt
from quiz.selectors import attempts as selectors
from quiz.selectors import history as history_selectors
from quiz.selectors import results
from quiz.selectors.attempts import Progress

STEP_TEMPLATE = "quiz/step.html"


class HtmxHttpRequest(HttpRequest):
    """A request after django-htmx's middleware has added `htmx`."""

    htmx: HtmxDetails


def _go(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """Send the browser to another page: a redirect, or for htmx a full client-side visit."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _already_finished(request: HtmxHttpRequest, attempt: Attempt) -> HttpResponse:
    messages.info(request, "You have already finished this quiz, so here are your results.")
    return _go(request, reverse("quiz:result", args=[attempt.pk]))


def _step_url(attempt: Attempt, number: int) -> str:
    return reverse("quiz:step", args=[attempt.pk, number])


def _render_step(
    request: HtmxHttpRequest,
    attempt: Attempt,
    form: StepForm,
    *,
    status: int = 200,
    url: str | None = None,
) -> HttpResponse:
    """The step page, or for htmx just its step region. `url` is the step's own address, when
    the caller has it already: the form posts back to it."""
    template = f"{STEP_TEMPLATE}#step" if request.htmx else STEP_TEMPLATE
    url = url or _step_url(attempt, form.step.number)
    context = {"attempt": attempt, "step": form.step, "form": form, "step_url": url}
    return render(request, template, context, status=status)


@require_safe
def start(request: HtmxHttpRequest) -> HttpResponse:
    """What the quiz is, the optional focus question, and a way back into an unfinished one."""
    overview = selectors.quiz_overview(user=request.user, session=request.session)
    return render(request, "quiz/start.html", {"overview": overview, "form": StartForm()})


@require_POST
def begin(request: HtmxHttpRequest) -> HttpResponse:
    """Start a new attempt (clearing an unfinished one) and go to its first step."""
    overview = selectors.quiz_overview(user=request.user, session=request.session)
    if overview.version is None:
        raise Http404("The quiz is not open.")
    form = StartForm(request.POST)
    if not form.is_valid():
        return render(request, "quiz/start.html", {"overview": overview, "form": form}, status=400)
    attempt = services.attempt_start(
        version=overview.version,
        user=request.user if request.user.is_authenticated else None,
        session=request.session,
        focus=form.cleaned_data["focus"],
    )
    return redirect("quiz:step", attempt_id=attempt.pk, number=1)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@vary_on_headers("HX-Request")
def step(request: HtmxHttpRequest, attempt_id: uuid.UUID, number: int) -> HttpResponse:
    """Show one step of statements, or save its answers and move back or on."""
    progress = selectors.owned_attempt_progress(
        attempt_id=attempt_id, user=request.user, session=request.session
    )
    attempt = progress.attempt
    if attempt.is_complete:
        return _already_finished(request, attempt)
    current = progress.step(number)
    if current is None:
        raise Http404("There is no such step in this quiz.")

    if request.method == "GET":
        if number > progress.resume:  # no skipping past statements still unanswered
            return redirect("quiz:step", attempt_id=attempt.pk, number=progress.resume)
        return _render_step(request, attempt, StepForm(step=current, version=attempt.version))

    form = StepForm(request.POST, step=current, version=attempt.version)
    if not form.is_valid():
        return _render_step(request, attempt, form, status=400)
    answers = form.answers()
    try:
        services.attempt_answer_step(attempt=attempt, answers=answers)
        if current.is_last and form.chosen_direction != StepForm.BACK:
            services.attempt_complete(attempt=attempt)
            return _go(request, reverse("quiz:result", args=[attempt.pk]))
    except services.AttemptAlreadyCompleted:
        return _already_finished(request, attempt)
    except ValidationError as error:  # statements on earlier steps are still unanswered
        messages.warning(request, error.messages[0])
        resume = selectors.resume_step(attempt=attempt)
        return _go(request, _step_url(attempt, resume))
    return _show_saved_step(request, progress.with_answers(answers), _moving_to(form, number))


def _moving_to(form: StepForm, number: int) -> int:
    """The step a saved step goes to: back or on."""
    return max(1, number - 1) if form.chosen_direction == StepForm.BACK else number + 1


def _show_saved_step(request: HtmxHttpRequest, progress: Progress, number: int) -> HttpResponse:
    """After a save, go to step `number`: a redirect, or for htmx the step and its address.

    `progress` already holds the answers just saved, so nothing is read again.
    """
    attempt = progress.attempt
    number = min(number, progress.resume)
    url = _step_url(attempt, number)
    following = progress.step(number)
    if not request.htmx or following is None:
        return redirect(url)
    form = StepForm(step=following, version=attempt.version)
    return push_url(_render_step(request, attempt, form, url=url), url)


@require_safe
@never_cache
def result(request: HtmxHttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
    """A finished attempt's stored scores, ranked, with where to start.

    A result never changes, so the page keeps its scores part in the member cache under the
    attempt (see member_cache); the reads it needs run only when that copy is missing.
    """
    attempt = selectors.attempt_owned(
        attempt_id=attempt_id, user=request.user, session=request.session
    )
    if not attempt.is_complete:
        return redirect(
            "quiz:step", attempt_id=attempt.pk, number=selectors.resume_step(attempt=attempt)
        )

    def chart() -> charts.BarChart:
        return charts.score_bars(
            [(score.pattern_name, score.score, score.band) for score in outcome.scores],
            some_from=attempt.version.band_some_from,
            strong_from=attempt.version.band_strong_from,
        )

    outcome = SimpleLazyObject(lambda: results.attempt_result(attempt=attempt))
    context = {
        "attempt": attempt,
        "result": outcome,
        "chart": SimpleLazyObject(chart),
        "library_version": library_version(),
    }
    return render(request, "quiz/result.html", context)


@require_safe
@login_required
@never_cache
def history(request: HtmxHttpRequest) -> HttpResponse:
    """A member's results by track (version and focus), each score's trend within its track,
    and the change verdicts stored when each result was scored."""
    member = cast(User, request.user)

    def tracks() -> list[tuple[history_selectors.Track, list[TrendRow]]]:
        return [(track, _trend_rows(track)) for track in past.tracks]

    past = SimpleLazyObject(lambda: history_selectors.member_history(user=member))
    context = {
        "history": past,
        "tracks": SimpleLazyObject(tracks),
        "member_key": member_cache.member_key(request),
    }
    return render(request, "quiz/history.html", context)


TrendRow = tuple[history_selectors.Trend, charts.Sparkline]


def _trend_rows(track: history_selectors.Track) -> list[TrendRow]:
    """The track's rows: the overall score first (the steadiest line), then each pattern."""
    trends = [track.overall, *track.trends] if track.overall else track.trends
    return [(trend, charts.sparkline(trend.scores)) for trend in trends]
