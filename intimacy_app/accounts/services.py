"""Writes for accounts: creating and deleting a member."""

from django.db import transaction

from intimacy_app.accounts.models import User


@transaction.atomic
def account_create(*, email: str, password: str) -> User:
    return User.objects.create_user(email=email, password=password)


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Remove the member and, by cascade, every row that belongs to them."""
    user.delete()
