"""Who a signed-in request belongs to, read with its session in one query where possible."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from intimacy_app.accounts import sessions


class MemberBackend(ModelBackend):
    """Django's ModelBackend, which takes the member the session store has just read along
    with the session row (sessions.SessionStore) instead of reading them again.

    Django still checks that member exactly as it checks one it reads itself: active, and the
    session's hash matching their current password and session salt.
    """

    def get_user(self, user_id: Any) -> Any:
        member = sessions.take_member_read_with_session()
        if member is not None and member.pk == user_id:
            return member if self.user_can_authenticate(member) else None
        return super().get_user(user_id)
