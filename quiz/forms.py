"""Forms for starting the quiz and answering one step of it."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.forms import Field
from django.forms.utils import ErrorList
from django.utils.functional import cached_property

from quiz.models import Focus, InstrumentVersion, Item
from quiz.selectors import Question, Step

ITEM_PREFIX = "item-"


@dataclass(frozen=True)
class Option:
    """One radio button of a statement's scale."""

    id: str
    value: int
    label: str
    checked: bool


@dataclass(frozen=True)
class Row:
    """One statement on a step, with its radio buttons and any error."""

    question: Question
    name: str
    errors: ErrorList
    required: bool
    scale: list[tuple[int, str]]
    checked: str  # the value chosen, as posted or as saved; "" if none
    auto_id: str  # as BoundField.auto_id, "id_item-<pk>"

    @property
    def options(self) -> list[Option]:
        """The radios, made only when the statement's markup is not kept already."""
        return [
            Option(f"{self.auto_id}_{index}", value, label, str(value) == self.checked)
            for index, (value, label) in enumerate(self.scale)
        ]

    @property
    def rendered_as(self) -> str:
        """Everything its markup is written from. The step template keeps each statement's
        markup under this in the "statements" cache (settings.CACHES): the same statement,
        answer and error look the same for everyone, so most steps are put together from copies.
        """
        chosen = ",".join(str(value) for value, _ in self.scale if str(value) == self.checked)
        return "\n".join(
            (
                str(self.question.item.pk),
                str(self.question.position),
                self.question.item.text,
                "|".join(label for _, label in self.scale),
                chosen,
                str(self.required),
                *map(str, self.errors),
            )
        )


class StartForm(forms.Form):
    """The optional focus question asked before the first statement."""

    focus = forms.ChoiceField(
        label="When you answer, who will you mostly have in mind?",
        choices=Focus.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Please choose one of the options, or leave it blank."},
    )


def item_field(
    text: str, *, scale: Sequence[tuple[int, str]], required: bool, initial: int | None = None
) -> Field:
    """A statement's 1-5 choice, as a step's form checks it."""
    return forms.TypedChoiceField(
        label=text,
        choices=scale,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=required,
        initial=initial,
        error_messages={
            "required": "Please choose an answer for this statement.",
            "invalid_choice": "Please choose one of the five answers.",
        },
    )


# A posted step's fields, kept by each worker and shared by every form that checks that statement:
# checking an answer only reads a field, and building five choices for each statement of each
# post cost more than the check itself. Nothing may change a field these give.
_kept_item_field = functools.lru_cache(maxsize=1024)(item_field)


class StepForm(forms.Form):
    """One step's answers: a 1-5 choice per statement, each field named item-<item id>.

    Going forward needs every statement on the step answered; going back saves whatever is
    answered. Answers for statements that are not on this step are refused outright.
    """

    NEXT, BACK, FINISH = "next", "back", "finish"

    def __init__(
        self, data: Any = None, *, step: Step, version: InstrumentVersion, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.step = step
        self.scale = version.scale_choices
        if not self.is_bound:  # only shown: `rows` writes it from the step itself
            return
        going_back = data.get("direction") == self.BACK
        self.fields["direction"] = _DIRECTION  # the buttons' choice: next, back or finish
        scale = tuple(self.scale)
        for question in step.questions:
            self.fields[f"{ITEM_PREFIX}{question.item.pk}"] = _kept_item_field(
                question.item.text, scale=scale, required=not going_back
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        stray = [key for key in self.data if key.startswith(ITEM_PREFIX) and key not in self.fields]
        if stray:
            raise forms.ValidationError(
                "Some of those answers were for statements that are not on this page, so "
                "nothing was saved. Please answer the statements shown here.",
                code="foreign_item",
            )
        return cleaned

    @property
    def chosen_direction(self) -> str:
        return self.cleaned_data.get("direction") or self.NEXT

    @cached_property
    def rows(self) -> list[Row]:
        """Each statement with its radio group, in order, for the template.

        The radios are written out by the template itself, exactly as RadioSelect would write
        `item_field` (the same names, ids, `required`, `checked` and `aria-invalid`; a test
        holds them to it): rendering 20 widget templates per step was most of the step's time.
        A form that is only shown has no fields at all, since building them cost more than the
        rest of the step's form: its radios show the answers already given.
        """
        rows = []
        for question in self.step.questions:
            name = f"{ITEM_PREFIX}{question.item.pk}"
            if self.is_bound:
                chosen, required = self.data.get(name), self.fields[name].required
                errors = self.errors.get(name) or self.error_class(renderer=self.renderer)
            else:
                chosen, required, errors = question.value, True, self.error_class()
            rows.append(
                Row(
                    question=question,
                    name=name,
                    errors=errors,
                    required=self.use_required_attribute and required,
                    scale=self.scale,
                    checked="" if chosen is None else str(chosen),
                    auto_id=cast(str, self.auto_id) % name,
                )
            )
        return rows

    @property
    def rendered_as(self) -> str:
        """Everything the step's statements are written from (each row's `rendered_as`): the
        step template keeps the whole block under this, as it keeps each statement."""
        return "\n\n".join(row.rendered_as for row in self.rows)

    def answers(self) -> dict[Item, int]:
        """The answers given, by item; unanswered statements are left out."""
        return {
            question.item: value
            for question in self.step.questions
            if (value := self.cleaned_data.get(f"{ITEM_PREFIX}{question.item.pk}")) is not None
        }


# The buttons' choice, shared by every posted step as the statements' fields are (above).
_DIRECTION = forms.ChoiceField(
    choices=[(StepForm.NEXT,) * 2, (StepForm.BACK,) * 2, (StepForm.FINISH,) * 2],
    required=False,
    error_messages={"invalid_choice": "Please use the buttons below the statements."},
)
