"""Forms for starting the quiz and answering one step of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
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
    options: list[Option]

    @property
    def rendered_as(self) -> str:
        """Everything its markup is written from. The step template keeps each statement's
        markup under this in the "statements" cache (settings.CACHES): the same statement,
        answer and error look the same for everyone, so most steps are put together from copies.
        """
        chosen = ",".join(str(option.value) for option in self.options if option.checked)
        scale = "|".join(option.label for option in self.options)
        return "\n".join(
            (
                str(self.question.item.pk),
                str(self.question.position),
                self.question.item.text,
                scale,
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
            self.fields[f"{ITEM_PREFIX}{question.item.pk}"] = forms.TypedChoiceField(
                label=question.item.text,
                choices=self.scale,
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                required=not going_back,
                initial=question.value,
                error_messages={
                    "required": "Please choose an answer for this statement.",
                    "invalid_choice": "Please choose one of the five answers.",
                },
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

        The radios are written out by the template itself, as RadioSelect would write them
        (the same names, ids, `required`, `checked` and `aria-invalid`): rendering 20 widget
        templates per step was most of the step's time.
        """
        rows = []
        for question in self.step.questions:
            name = f"{ITEM_PREFIX}{question.item.pk}"
            bound = self[name]
            chosen = {str(value) for value in bound.field.widget.format_value(bound.value())}
            rows.append(
                Row(
                    question=question,
                    name=name,
                    errors=bound.errors,
                    required=self.use_required_attribute and bound.field.required,
                    options=[
                        Option(f"{bound.auto_id}_{index}", value, label, str(value) in chosen)
                        for index, (value, label) in enumerate(self.scale)
                    ],
                )
            )
        return rows

    def answers(self) -> dict[Item, int]:
        """The answers given, by item; unanswered statements are left out."""
        return {
            question.item: value
            for question in self.step.questions
            if (value := self.cleaned_data.get(f"{ITEM_PREFIX}{question.item.pk}")) is not None
        }
