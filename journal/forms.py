"""Forms of the journal: an entry, the list's filters, the prompts refresh, import, deleting all."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from intimacy_app.accounts.models import User, time_zone_names
from intimacy_app.content.forms import ContentMultipleChoiceField
from intimacy_app.content.models import Capacity, Feeling, Pattern
from journal.imports import MAX_BYTES, TOO_LARGE
from journal.insights import INSIGHT_PERIODS
from journal.models import MEMBER_FIELDS, TEXT_MAX_LENGTH, Entry
from journal.selectors import EntryFilters

# Offered when editing, so an answer can be taken back; a new entry simply leaves it unticked.
SKIP = ("", "Not said")
RADIOS = ("with_whom", "urge_strength", "action", "alarm_check", "tried")
# What the quick capture asks; the rest of the form is behind "Add more".
QUICK_FIELDS = ("situation", "with_whom", "urge_strength")
TEXT_ERRORS = {
    "max_length": "Please keep this under 4,000 characters (it has %(show_value)d).",
    "null_characters_not_allowed": "This contains a NUL character, which cannot be saved.",
}


def valid_time_zone(name: str) -> str:
    """`name` if it is a time zone this machine knows, else ""."""
    return name if name in time_zone_names() else ""


def _radio(choices: Any, label: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[*choices, SKIP],
        required=False,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


def _text(label: str, *, rows: int = 2, help_text: str = "", required: bool = False) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        strip=True,
        help_text=help_text,
        error_messages=TEXT_ERRORS | {"required": "Write a few words about what was happening."},
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": TEXT_MAX_LENGTH}),
    )


def _with_current[M: (Pattern, Feeling, Capacity)](
    model: type[M], current: QuerySet[M] | list[M] | None
) -> QuerySet[M]:
    # Published content, plus whatever this entry already uses even if an editor has hidden it.
    ids = [obj.pk for obj in current or []]
    return model._default_manager.filter(Q(is_published=True) | Q(pk__in=ids))


class EntryForm(forms.ModelForm):
    """One moment. Only `situation` is required; the fast path is one line and Save."""

    occurred_at = forms.DateTimeField(
        label="When did it happen?",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "invalid": "That is not a real date and time. Please check the day and month.",
            "required": "Please say when it happened, or leave the time as it was.",
        },
    )
    situation = _text("What happened?", rows=2, required=True, help_text="A line is enough.")
    with_whom = _radio(Entry.WithWhom.choices, "Who was it with?")
    urge_strength = forms.TypedChoiceField(
        label="How strong was the pull to leave?",
        choices=[*((n, str(n)) for n in range(11)), SKIP],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="0 is barely there, 10 is overwhelming.",
        widget=forms.RadioSelect,
    )
    body = _text("What did it feel like in your body?")
    story = _text(
        "What story did your mind tell?", help_text="For example: “if they see this, they'll go.”"
    )
    action = _radio(Entry.Action.choices, "What did you do?")
    alarm_check = _radio(
        Entry.AlarmCheck.choices,
        "Looking back: an old alarm, or real danger?",
        help_text="Old alarms are loud and familiar; real danger has evidence in the present.",
    )
    next_time_note = _text("In your own words", help_text="Optional.")
    tried = _radio(Entry.Tried.choices, "Did you?")
    follow_up_note = _text("How did it go?")
    follows_up = forms.ModelChoiceField(
        queryset=Entry.objects.none(), required=False, widget=forms.HiddenInput
    )
    tz = forms.CharField(required=False, widget=forms.HiddenInput)
    # Made fresh each time a new-entry form is shown; the same form sent twice saves once.
    submission_token = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Entry
        fields = MEMBER_FIELDS
        labels = {
            "patterns": "Which patterns showed up?",
            "feelings": "What were you feeling?",
            "next_time_capacity": "Next time, what would you like to try?",
        }
        widgets = {
            "patterns": forms.CheckboxSelectMultiple,
            # Drawn box by box in the template (a common few, then "More feelings").
            "feelings": forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        }
        field_classes = {
            "patterns": ContentMultipleChoiceField,
            "feelings": ContentMultipleChoiceField,
        }

    def __init__(
        self,
        data: Any = None,
        *,
        owner: User,
        follow_up: Entry | None = None,
        instance: Entry | None = None,
        **kwargs: Any,
    ) -> None:
        # Validation fills the form's own copy, so the caller's entry only changes through the
        # service (which also keeps unreadable text as it was unless new words replace it).
        instance = copy.copy(instance) if instance is not None else Entry(owner=owner)
        super().__init__(data, instance=instance, **kwargs)
        adding = instance._state.adding
        self.follow_up = follow_up if adding else instance.follows_up
        patterns = cast(forms.ModelMultipleChoiceField, self.fields["patterns"])
        patterns.queryset = _with_current(Pattern, None if adding else instance.patterns.all())
        feelings = cast(forms.ModelMultipleChoiceField, self.fields["feelings"])
        feelings.queryset = _with_current(Feeling, None if adding else instance.feelings.all())
        # A few common feelings first (each group's first, and any already ticked), the rest
        # behind "More feelings"; validation still uses the queryset.
        ticked = {str(getattr(value, "pk", value)) for value in self["feelings"].value() or []}
        common: list[tuple[int, str]] = []
        others: list[tuple[int, str]] = []
        groups_seen: set[str] = set()
        for feeling in feelings.queryset.order_by("group", "order", "pk"):
            first = feeling.group not in groups_seen
            groups_seen.add(feeling.group)
            chosen = common if first or str(feeling.pk) in ticked else others
            chosen.append((feeling.pk, feeling.name))
        self.common_feeling_count = len(common)
        feelings.choices = [*common, *others]
        capacity = cast(forms.ModelChoiceField, self.fields["next_time_capacity"])
        current = [instance.next_time_capacity] if instance.next_time_capacity else None
        capacity.queryset = _with_current(Capacity, current)
        capacity.empty_label = "Nothing in particular"
        follows_up = cast(forms.ModelChoiceField, self.fields["follows_up"])
        follows_up.queryset = Entry.objects.owned_by(owner)
        follows_up.error_messages["invalid_choice"] = (
            "That earlier entry could not be found. It may have been deleted."
        )
        if self.follow_up is None:
            for name in ("follows_up", "tried", "follow_up_note"):
                del self.fields[name]
        else:
            self.initial["follows_up"] = self.follow_up.pk
            self.fields["tried"].label = f"Last time you planned to try {self.plan}. Did you?"
        # The zone the form's times are shown in; journal.js swaps in the browser's for new entries.
        self.initial["tz"] = timezone.get_current_timezone_name()
        if instance._state.adding:
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )
            self.initial["submission_token"] = uuid.uuid4()
            for name in RADIOS:
                if name in self.fields:
                    radio = cast(forms.ChoiceField, self.fields[name])
                    choices = cast(list[tuple[Any, str]], radio.choices)
                    radio.choices = [choice for choice in choices if choice != SKIP]
            if not self.is_bound:
                # Ready to type the moment the page opens (focus-after-swap does it inline).
                self.fields["situation"].widget.attrs.update(
                    {"autofocus": True, "data-focus-after-swap": True}
                )
        else:
            del self.fields["submission_token"]
        for name in self.unreadable:
            self.fields[name].help_text = (
                "This part could not be read. Leave it empty to keep what is stored, or write "
                "something new to replace it."
            )

    def feeling_choices(self) -> tuple[list[Any], list[Any]]:
        """The feelings' checkboxes: (the common few, the rest)."""
        boxes = list(self["feelings"])
        return boxes[: self.common_feeling_count], boxes[self.common_feeling_count :]

    @property
    def more_open(self) -> bool:
        """Whether "Add more" starts open: when editing, or when something in it was filled
        in or needs another look."""
        if not self.instance._state.adding:
            return True
        more = [
            name
            for name in self.fields
            if name not in QUICK_FIELDS and self[name].is_hidden is False
        ]
        if any(name in self.errors for name in more):
            return True
        return bool(self.initial.get("patterns")) or (
            self.is_bound and any(self.data.get(name) for name in more if name != "occurred_at")
        )

    @property
    def plan(self) -> str:
        """The earlier plan in a few words, for the follow-up question."""
        earlier = self.follow_up
        if earlier is None:
            return ""
        if earlier.next_time_capacity is not None:
            return f"“{earlier.next_time_capacity.name.lower()}”"
        return "something of your own"

    def picked_patterns(self) -> list[Pattern]:
        """The patterns ticked in this form as shown (submitted, or the entry's own)."""
        picked = {str(getattr(value, "pk", value)) for value in self["patterns"].value() or []}
        if not picked:
            return []
        queryset = cast(forms.ModelMultipleChoiceField, self.fields["patterns"]).queryset
        return [pattern for pattern in queryset or () if str(pattern.pk) in picked]

    @property
    def unreadable(self) -> list[str]:
        return [] if self.instance._state.adding else self.instance.unreadable_fields

    def clean_occurred_at(self) -> dt.datetime:
        """The time given; an edit that leaves it as shown keeps the stored one, seconds and
        all (the field shows minutes), so changing the words never moves the entry."""
        given: dt.datetime = self.cleaned_data["occurred_at"]
        stored = None if self.instance._state.adding else self.instance.occurred_at
        if stored is not None and given == stored.replace(second=0, microsecond=0):
            return stored
        return given

    def clean_tz(self) -> str:
        return valid_time_zone(self.cleaned_data.get("tz") or "")

    def clean_submission_token(self) -> uuid.UUID | None:
        """The form's token; a missing or mangled one only means the form saves unguarded."""
        try:
            return uuid.UUID(self.cleaned_data.get("submission_token") or "")
        except ValueError:
            return None

    def entry_fields(self) -> dict[str, Any]:
        """The cleaned values, named as the services take them."""
        return {
            name: value for name, value in self.cleaned_data.items() if name in self.Meta.fields
        }


class EntryFilterForm(forms.Form):
    """The list's search and filters, read from the query string; a bad value is a 400."""

    q = forms.CharField(
        label="Search your entries",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        error_messages={"max_length": "Please search for fewer than 200 characters."},
    )
    pattern = forms.ModelChoiceField(
        label="Pattern",
        queryset=Pattern.objects.published(),
        to_field_name="slug",
        required=False,
        empty_label="Any pattern",
        error_messages={"invalid_choice": "There is no pattern with that name."},
    )
    with_whom = forms.ChoiceField(
        label="With", choices=[("", "Anyone"), *Entry.WithWhom.choices], required=False
    )
    action = forms.ChoiceField(
        label="What I did", choices=[("", "Anything"), *Entry.Action.choices], required=False
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "The start date is not a real date (use YYYY-MM-DD)."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "The end date is not a real date (use YYYY-MM-DD)."},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "The page number is not a number.",
            "min_value": "Pages start at 1.",
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return cleaned

    def filters(self) -> EntryFilters:
        data = self.cleaned_data
        return EntryFilters(
            query=data.get("q") or "",
            pattern=data.get("pattern"),
            with_whom=data.get("with_whom") or "",
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class PromptsForm(forms.Form):
    """The patterns ticked so far, sent when the ticks change, to choose prompts for them."""

    patterns = ContentMultipleChoiceField(
        queryset=Pattern.objects.published(),
        required=False,
        error_messages={
            "invalid_choice": "There is no pattern with that id.",
            "invalid_pk_value": "There is no pattern with that id.",
        },
    )


class InsightsForm(forms.Form):
    weeks = forms.TypedChoiceField(
        label="Period",
        choices=[(weeks, f"Last {weeks} weeks") for weeks in INSIGHT_PERIODS],
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "Choose 12, 26 or 52 weeks."},
    )

    def clean_weeks(self) -> int:
        return self.cleaned_data.get("weeks") or INSIGHT_PERIODS[0]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Your JSON export",
        help_text=f"The .json file from “Download everything”. Up to {MAX_BYTES // 2**20} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
        error_messages={"required": "Choose the file to import.", "empty": "That file is empty."},
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        return upload.read(MAX_BYTES + 1)


class DeleteAllForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete every entry in my journal for good.",
        error_messages={"required": "Tick the box to confirm, or go back."},
    )
