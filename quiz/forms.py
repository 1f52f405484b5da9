"""Forms for starting the quiz and answering one step of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.forms import Field
from django.forms.utils import ErrorList

from quiz.models import Focus, InstrumentVersion, Item
from quiz.selectors.attempts import Question, Step

ITEM_PREFIX = "item-"


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


@dataclass(frozen=True)
class Choice:
    """One radio of a statement: what it sends, what it says, and whether it is picked."""

    value: int
    label: str
    id: str
    checked: bool


@dataclass(frozen=True)
class Statement:
    """A statement of the step as the template writes it out: its question, its field's name,
    whether it is required, its errors, and its radios, the same markup as RadioSelect's without
    a widget template each."""

    question: Question
    name: str
    required: bool
    errors: ErrorList
    choices: list[Choice]


class StepForm(forms.Form):
    """One step's answers: a 1-5 choice per statement, each field named item-<item id>.

    Going forward needs every statement on the step answered; going back saves whatever is
    answered. Answers for statements that are not on this step are refused outright.
    """

    NEXT, BACK, FINISH = "next", "back", "finish"

    direction = forms.ChoiceField(
        choices=[(NEXT, NEXT), (BACK, BACK), (FINISH, FINISH)],
        required=False,
        error_messages={"invalid_choice": "Please use the buttons below the statements."},
    )

    def __init__(
        self, data: Any = None, *, step: Step, version: InstrumentVersion, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.step = step
        self.scale = version.scale_choices
        going_back = data is not None and data.get("direction") == self.BACK
        for question in step.questions:
            self.fields[f"{ITEM_PREFIX}{question.item.pk}"] = item_field(
                question.item.text,
                scale=version.scale_choices,
                required=not going_back,
                initial=question.value,
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
    def statements(self) -> list[Statement]:
        """Each statement of the step with its radios, in order, for the template."""
        statements = []
        for question in self.step.questions:
            field = self[f"{ITEM_PREFIX}{question.item.pk}"]
            picked = str(field.value())
            choices = [
                Choice(value, label, f"{field.auto_id}_{index}", str(value) == picked)
                for index, (value, label) in enumerate(self.scale)
            ]
            statements.append(
                Statement(
                    question,
                    name=field.html_name,
                    required=field.field.required,
                    errors=field.errors,
                    choices=choices,
                )
            )
        return statements

    def answers(self) -> dict[Item, int]:
        """The answers given, by item; unanswered statements are left out."""
        return {
            question.item: value
            for question in self.step.questions
            if (value := self.cleaned_data.get(f"{ITEM_PREFIX}{question.item.pk}")) is not None
        }
