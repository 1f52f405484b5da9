"""The pure encryption module: keyrings, tokens, and what makes a token fail to open."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from intimacy_app.crypto import (
    DecryptionError,
    Keyring,
    KeyringError,
    key_id_of,
    new_key_entry,
    parse_keyring,
)
from tests.journal.conftest import CURRENT_KEY, OLDER_KEY

AAD = b"entry:0b3f6c8e-0000-4000-8000-000000000001:situation"


def test_text_round_trips_and_the_token_holds_no_plaintext() -> None:
    ring = parse_keyring(CURRENT_KEY)
    token = ring.encrypt("If they see this they will leave.", aad=AAD)
    assert "leave" not in token
    assert "leave" not in base64.urlsafe_b64decode(token + "==").decode("latin-1")
    assert ring.decrypt(token, aad=AAD) == "If they see this they will leave."


def test_the_same_text_encrypts_differently_each_time() -> None:
    ring = parse_keyring(CURRENT_KEY)
    assert ring.encrypt("same", aad=AAD) != ring.encrypt("same", aad=AAD)


def test_a_token_names_the_key_it_was_made_with() -> None:
    ring = parse_keyring(f"{CURRENT_KEY},{OLDER_KEY}")
    assert ring.current_id == "current"
    assert key_id_of(ring.encrypt("x", aad=AAD)) == "current"


@pytest.mark.parametrize(
    "other_aad",
    [
        b"entry:0b3f6c8e-0000-4000-8000-000000000002:situation",  # another row
        b"entry:0b3f6c8e-0000-4000-8000-000000000001:story",  # another field
    ],
)
def test_a_token_moved_to_another_row_or_field_does_not_decrypt(other_aad: bytes) -> None:
    ring = parse_keyring(CURRENT_KEY)
    token = ring.encrypt("private", aad=AAD)
    with pytest.raises(DecryptionError, match="authentication failed"):
        ring.decrypt(token, aad=other_aad)


def test_an_altered_token_does_not_decrypt() -> None:
    ring = parse_keyring(CURRENT_KEY)
    raw = bytearray(base64.urlsafe_b64decode(ring.encrypt("private", aad=AAD) + "=="))
    raw[-1] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(DecryptionError):
        ring.decrypt(tampered, aad=AAD)


@pytest.mark.parametrize("token", ["", "not base64 at all!", "AAAA", "Ag" + "A" * 60])
def test_garbage_is_a_decryption_error_not_a_crash(token: str) -> None:
    with pytest.raises(DecryptionError):
        parse_keyring(CURRENT_KEY).decrypt(token, aad=AAD)


@pytest.mark.parametrize("text", ["", "a", "ab", "abc", "abcd", "é", "\uff24inner \U0001f35d"])
def test_every_token_length_round_trips(text: str) -> None:
    # Tokens are unpadded base64, so their length leaves every remainder mod 4 but 1.
    ring = parse_keyring(f"{CURRENT_KEY},{OLDER_KEY}")
    for writer in (ring, parse_keyring(OLDER_KEY)):
        assert ring.decrypt(writer.encrypt(text, aad=AAD), aad=AAD) == text


@pytest.mark.parametrize(
    "damage",
    [
        lambda token: token + "A" * ((1 - len(token)) % 4),  # a length base64 cannot have
        lambda token: token[:10] + "é" + token[11:],  # not ASCII
        lambda token: token[:10] + "!" + token[11:],  # not base64
        lambda token: token[:10] + "=" + token[11:],  # padding in the middle
    ],
)
def test_a_token_that_is_not_base64_is_not_a_journal_ciphertext(damage: Any) -> None:
    ring = parse_keyring(CURRENT_KEY)
    token = ring.encrypt("private words", aad=AAD)
    with pytest.raises(DecryptionError, match="not a journal ciphertext"):
        ring.decrypt(damage(token), aad=AAD)


def test_old_keys_still_read_and_rotation_moves_text_to_the_current_key() -> None:
    old_ring = parse_keyring(OLDER_KEY)
    token = old_ring.encrypt("written long ago", aad=AAD)
    ring = parse_keyring(f"{CURRENT_KEY},{OLDER_KEY}")
    assert ring.decrypt(token, aad=AAD) == "written long ago"
    assert not ring.is_current(token)

    rotated = ring.reencrypt(token, aad=AAD)
    assert ring.is_current(rotated)
    assert parse_keyring(CURRENT_KEY).decrypt(rotated, aad=AAD) == "written long ago"


def test_a_token_from_a_key_no_longer_configured_says_so() -> None:
    token = parse_keyring(OLDER_KEY).encrypt("x", aad=AAD)
    with pytest.raises(DecryptionError) as caught:
        parse_keyring(CURRENT_KEY).decrypt(token, aad=AAD)
    assert caught.value.key_id == "older"
    assert "no key" in caught.value.reason


def test_a_new_key_entry_parses_and_is_random() -> None:
    first, second = new_key_entry("k1"), new_key_entry("k1")
    assert first != second
    assert parse_keyring(first).current_id == "k1"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        (" , ", "empty"),
        ("nokeyhere", "not 'keyid:base64urlkey'"),
        ("bad id!:" + "A" * 43, "not 'keyid:base64urlkey'"),
        ("k1:" + "A" * 22, "32 bytes"),  # 16 bytes: AES-128 is not what we promise
        ("k1:%%%%", "base64"),
        (f"{CURRENT_KEY},{CURRENT_KEY}", "twice"),
    ],
)
def test_malformed_key_settings_are_refused_without_echoing_the_key(
    value: str, message: str
) -> None:
    with pytest.raises(KeyringError, match=message) as caught:
        parse_keyring(value)
    assert CURRENT_KEY.split(":")[1] not in str(caught.value)


def test_a_keyring_never_shows_its_keys_when_printed() -> None:
    secret = bytes(range(32))
    ring = Keyring(keys={"k1": secret}, current_id="k1")

    assert secret.hex() not in repr(ring)
    assert repr(secret) not in repr(ring)
    assert "k1" in repr(ring)
