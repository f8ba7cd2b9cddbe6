"""Reads: contact lists, who may see whom, and users as a viewer sees them."""

from django.db.models import Exists, OuterRef, Q

from messenger.accounts.users import public_user, users_with_profiles

from .models import Contact


def user_by_username(username: str):
    return users_with_profiles().filter(username=username.strip().lower(), is_active=True).first()


def has_blocked(*, owner_id: int, other_id: int) -> bool:
    """Whether owner blocked other."""
    return Contact.objects.filter(owner_id=owner_id, contact_id=other_id, blocked=True).exists()


def blockers_among(*, viewer_id: int, user_ids: list[int]) -> set[int]:
    """Which of user_ids have blocked the viewer."""
    return set(
        Contact.objects.filter(owner_id__in=user_ids, contact_id=viewer_id, blocked=True).values_list(
            "owner_id", flat=True
        )
    )


def interested_in(user_id: int) -> list[int]:
    """Users who list user_id as a contact and whom user_id has not blocked:
    the ones who get presence frames about user_id."""
    blocked_by_subject = Contact.objects.filter(owner_id=user_id, contact_id=OuterRef("owner_id"), blocked=True)
    return list(
        Contact.objects.filter(contact_id=user_id, listed=True)
        .exclude(Exists(blocked_by_subject))
        .values_list("owner_id", flat=True)
    )


def _users(ids) -> list:
    return list(users_with_profiles().filter(pk__in=ids, is_active=True).order_by("username"))


def contacts_of(user_id: int) -> list:
    return _users(Contact.objects.filter(owner_id=user_id, listed=True).values("contact_id"))


def blocked_by(user_id: int) -> list:
    return _users(Contact.objects.filter(owner_id=user_id, blocked=True).values("contact_id"))


def pending_for(user_id: int) -> list:
    """Users who added user_id and whom user_id has neither listed nor blocked."""
    answered = Contact.objects.filter(Q(listed=True) | Q(blocked=True), owner_id=user_id)
    return _users(
        Contact.objects.filter(contact_id=user_id, listed=True)
        .exclude(owner_id__in=answered.values("contact_id"))
        .values("owner_id")
    )


def shown_to(viewer_id: int, user, *, online: bool, blocked_viewer: bool) -> dict:
    """A user as the viewer sees them: `offline` when they blocked the viewer."""
    if blocked_viewer:
        return {**public_user(user, online=False), "status": "offline"}
    return public_user(user, online=online, to_self=user.pk == viewer_id)
