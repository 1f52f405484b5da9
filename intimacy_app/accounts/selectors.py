"""Reads for accounts."""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from intimacy_app.accounts.models import User


def two_factor_device(*, user: User) -> TOTPDevice | None:
    """The member's confirmed authenticator app, if they turned two-step sign-in on."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


@dataclass(frozen=True)
class Provisioning:
    """What an authenticator app needs: a QR code to scan, or the secret to type."""

    qr_data_uri: str
    size: int
    secret: str


def two_factor_provisioning(*, user: User, key: str) -> Provisioning:
    qr = segno.make(TOTPDevice(user=user, key=key).config_url, error="m")
    secret = b32encode(unhexlify(key)).decode()
    return Provisioning(
        # Dark on white whatever the page's colour scheme, or phones cannot read it.
        qr_data_uri=qr.svg_data_uri(scale=5, border=2, dark="#000", light="#fff"),
        size=int(qr.symbol_size(scale=5, border=2)[0]),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )
