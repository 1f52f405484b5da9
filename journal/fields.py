"""A text field whose database column holds only AES-GCM ciphertext bound to its row, field and
owner.

On the model instance the attribute reads as plain text; it is decrypted on first access and
encrypted again on save, with associated data ``<model>@<owner>:<pk>:<field>`` (see
`associated_data`) so a token moved to another row or field, or a row moved to another member,
does not decrypt. Text written before the owner was bound (``<model>:<pk>:<field>``) still
reads until `manage.py rotate_journal_key` seals it again with the owner.

Text that cannot be decrypted reads as `Unreadable` (an empty string that knows it is unreadable
and keeps its token, so saving the row unchanged does not destroy it). Writes that bypass
`Model.save()` (`QuerySet.update()` or `bulk_update()` with plain strings) are refused rather
than stored in the clear.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from intimacy_app.crypto import DecryptionError, Keyring, parse_keyring

logger = logging.getLogger("journal.crypto")


class Ciphertext(str):
    """A token exactly as stored in the database."""

    __slots__ = ()


class Unreadable(str):
    """Stands in for text that could not be decrypted: empty, flagged, keeping its token."""

    unreadable = True
    token: str

    def __new__(cls, token: str) -> Unreadable:
        obj = super().__new__(cls, "")
        obj.token = token
        return obj


@lru_cache(maxsize=4)
def _keyring_from(value: str) -> Keyring:
    return parse_keyring(value)


def keyring() -> Keyring:
    """The configured keyring (settings.JOURNAL_ENCRYPTION_KEYS, validated at start-up)."""
    return _keyring_from(str(settings.JOURNAL_ENCRYPTION_KEYS))


def no_unstorable_characters(value: str) -> None:
    """Refuse NUL characters and lone surrogates, which no database column can hold."""
    if "\x00" in value:
        raise ValidationError(
            "This contains a NUL character, which cannot be saved. Please remove it.",
            code="null_characters_not_allowed",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "This contains a broken character (a lone surrogate) that cannot be saved.",
            code="invalid_characters",
        ) from None


def associated_data(model_name: str, pk: object, field_name: str, *, owner: object) -> bytes:
    """What binds a ciphertext to one row, one field and the row's owner:
    ``<model>@<owner>:<pk>:<field>``; with `owner` None, the older binding to row and field only
    (``<model>:<pk>:<field>``), which text written before the owner was bound still carries."""
    where = model_name if owner is None else f"{model_name}@{owner}"
    return f"{where}:{pk}:{field_name}".encode()


def open_token(ring: Keyring, token: str, *, bound: bytes, unbound: bytes | None) -> str:
    """The text in `token`, sealed with associated data `bound`, or (written before the owner
    was bound) `unbound`. A token sealed with `bound` never opens with `unbound`: the tag binds
    it to the data it was sealed with, so the older binding cannot be used to move new text."""
    try:
        return ring.decrypt(token, aad=bound)
    except DecryptionError:
        if unbound is None:
            raise
        return ring.decrypt(token, aad=unbound)


def reseal(ring: Keyring, token: str, *, bound: bytes, unbound: bytes | None) -> str | None:
    """`token` sealed again under the current key and bound to its owner, or None if it already
    is (so a rotation can be repeated and interrupted). Raises DecryptionError if no configured
    key opens it."""
    try:
        text = ring.decrypt(token, aad=bound)
    except DecryptionError:
        if unbound is None:
            raise
        text = ring.decrypt(token, aad=unbound)
    else:
        if ring.is_current(token):
            return None
    return ring.encrypt(text, aad=bound)


def _log_unreadable(model_name: str | None, pk: object, name: str, error: DecryptionError) -> None:
    logger.warning(
        "Could not decrypt %s of %s %s (key id %r): %s",
        name,
        model_name,
        pk,
        error.key_id,
        error.reason,
    )


class StoredText:
    """Opens encrypted fields of many rows read as tuples (`values_list`), not as instances.

    Each row's text is what reading the attribute of its instance gives: the words, "" for an
    empty field, or `Unreadable` for a token that does not decrypt (logged unless `quiet`).
    The keyring is looked up once and each row's associated data built once, for the pages
    that open thousands of fields (search, export), where that and model instances were most
    of the time.
    """

    def __init__(self, model: type[models.Model], names: Sequence[str], *, quiet: bool = False):
        fields = [model._meta.get_field(name) for name in names]
        for field in fields:
            if not isinstance(field, EncryptedTextField):
                raise TypeError(f"{model.__name__}.{field.name} is not an encrypted text field.")
        self.names = tuple(names)
        self._suffixes = tuple(name.encode() for name in names)
        self._model_name = model._meta.model_name or ""
        self._owner_bound = {
            field.name for field in fields if getattr(field, "owner_field", None) is not None
        }
        self._keyring = keyring()
        self._quiet = quiet

    def texts(self, pk: object, tokens: Sequence[str], *, owner: object) -> Iterator[str]:
        """Row `pk`'s text for each of `names`, from its stored `tokens`, in the same order;
        `owner` is the row's owner's id, which owner-bound text is bound to.

        Lazy: a caller that stops early (a search that has found every word) decrypts no more.
        """
        if len(tokens) != len(self.names):
            raise ValueError(f"{len(self.names)} tokens expected, got {len(tokens)}.")
        row = associated_data(self._model_name, pk, "", owner=owner)
        unbound_row = associated_data(self._model_name, pk, "", owner=None)
        for name, suffix, token in zip(self.names, self._suffixes, tokens, strict=True):
            if not token:
                yield ""
                continue
            bound = name in self._owner_bound
            try:
                yield open_token(
                    self._keyring,
                    token,
                    bound=row + suffix if bound else unbound_row + suffix,
                    unbound=unbound_row + suffix if bound else None,
                )
            except DecryptionError as error:
                if not self._quiet:
                    _log_unreadable(self._model_name, pk, name, error)
                yield Unreadable(token)


class EncryptedTextAttribute(DeferredAttribute):
    """Decrypts on first read and caches the plain text on the instance."""

    field: EncryptedTextField

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext) and value:
            value = self.field.open(instance, value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Free text stored as ciphertext; see the module docstring."""

    descriptor_class = EncryptedTextAttribute

    def __init__(self, *args: Any, owner_field: str | None = None, **kwargs: Any) -> None:
        # The foreign key to the row's owner, whose id the ciphertext is bound to.
        self.owner_field = owner_field
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))
        self.validators.append(no_unstorable_characters)

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        if isinstance(value, Unreadable):
            return  # what is stored stays stored; there is nothing new to check
        if not self.blank and isinstance(value, str) and not value.strip():
            raise ValidationError(self.error_messages["blank"], code="blank")
        super().validate(value, model_instance)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.owner_field is not None:
            kwargs["owner_field"] = self.owner_field
        return name, path, args, kwargs

    def owner_of(self, instance: models.Model) -> object:
        """The id the text of `instance` is bound to, or None for a field bound to its row only."""
        if self.owner_field is None:
            return None
        owner_field = instance._meta.get_field(self.owner_field)
        assert isinstance(owner_field, models.ForeignKey)
        owner = getattr(instance, owner_field.attname)
        if owner is None:
            raise ValueError("Encrypted text needs the row's owner before it is saved.")
        return owner

    def aad(self, instance: models.Model) -> bytes:
        if instance.pk is None:
            raise ValueError("Encrypted text needs the row's primary key before it is saved.")
        model_name = instance._meta.model_name or ""
        return associated_data(model_name, instance.pk, self.name, owner=self.owner_of(instance))

    def unbound_aad(self, instance: models.Model) -> bytes | None:
        """The binding text had before the owner was bound, if this field is owner-bound."""
        if self.owner_field is None:
            return None
        model_name = instance._meta.model_name or ""
        return associated_data(model_name, instance.pk, self.name, owner=None)

    def open(self, instance: models.Model, token: str) -> str:
        """Decrypt `token` for this row; log and return Unreadable if that fails."""
        try:
            return open_token(
                keyring(),
                token,
                bound=self.aad(instance),
                unbound=self.unbound_aad(instance),
            )
        except DecryptionError as error:
            _log_unreadable(instance._meta.model_name, instance.pk, self.name, error)
            return Unreadable(token)

    def seal(self, instance: models.Model, value: str) -> Ciphertext:
        """The ciphertext to store for `value` in this row."""
        if isinstance(value, Ciphertext):
            return value
        if isinstance(value, Unreadable):
            return Ciphertext(value.token)
        if not value:
            return Ciphertext("")
        return Ciphertext(keyring().encrypt(value, aad=self.aad(instance)))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return self.seal(model_instance, model_instance.__dict__.get(self.attname, ""))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return Ciphertext(value) if value else ""

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value and not isinstance(value, Ciphertext):
            raise TypeError(
                f"{self.model.__name__}.{self.name} is encrypted: write it through Model.save() "
                "and never compare plain text in a query."
            )
        return None if value is None else str(value)

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisers (dumpdata) get the stored ciphertext, never the words.
        return str(self.seal(obj, obj.__dict__.get(self.attname, "")))
