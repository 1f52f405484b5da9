"""Form fields for choosing content (patterns, feelings, capacities) by id, and the visitor's
choice of country for the crisis lines."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

# No integer column holds more than 64 bits; SQLite raises OverflowError for an id beyond that
# instead of finding nothing.
LARGEST_ID = 2**63 - 1


class ContentMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Django's multiple choice of rows by id, refusing ids no database could hold with the
    usual "no such choice" message instead of failing in the database."""

    def clean(self, value: Any) -> QuerySet[Any]:
        for pk in value if isinstance(value, list | tuple) else ():
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # Django's own check says it is not an id
            if not -LARGEST_ID <= number <= LARGEST_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(pk)[:40]},
                )
        return super().clean(value)


class CountryForm(forms.Form):
    """Which country's lines to show; blank means "guess from my browser's language"."""

    country = forms.ChoiceField(label="Your country", required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["country"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Guess from my browser's language"), *choices]
