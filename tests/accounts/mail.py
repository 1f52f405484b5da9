"""Mail sent after the answer (services.mail_send_later), as a test waits for it."""

from __future__ import annotations

import threading

from django.core import mail
from django.core.mail import EmailMessage


def sent_mail(timeout: float = 5) -> list[EmailMessage]:
    """Every message sent so far, once the threads still sending have finished."""
    for thread in threading.enumerate():
        if thread.name == "mail-later":
            thread.join(timeout)
    return list(mail.outbox)
