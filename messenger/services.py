"""Account writes: registration, token revocation, moderation, deletion."""

import logging

from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F

from . import fanout, hooks
from .models import Profile

log = logging.getLogger("messenger.accounts")


class UsernameTaken(Exception):
    pass


def user_create(*, username: str, password: str | None, display_name: str, is_bot: bool = False, avatar: str | None = None, personal_message: str = ""):
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise UsernameTaken(username)
    user = User(username=username)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    profile = Profile(display_name=display_name, is_bot=is_bot, personal_message=personal_message)
    if avatar:
        profile.avatar = avatar
    try:
        with transaction.atomic():
            user.save()
            profile.user = user
            profile.save()
    except IntegrityError:
        # Two sign-ups for one name at once: the unique index decides.
        raise UsernameTaken(username)
    return user


def credentials_check(*, username: str, password: str):
    """The user for these credentials, or None. Runs the hasher for unknown
    users too (Django's ModelBackend does), so timing doesn't tell them apart."""
    user = authenticate(username=username, password=password)
    if user is None:
        return None
    return get_user_model().objects.select_related("profile").get(pk=user.pk)


def tokens_revoke_all(*, user, reason: str = "revoked", code: int = 4401) -> None:
    """Every token of the user stops working at once; their sockets close."""
    Profile.objects.filter(user=user).update(token_epoch=F("token_epoch") + 1)
    user.profile.refresh_from_db(fields=["token_epoch"])
    # The group is named now: an account deletion clears user.pk before the commit.
    group = fanout.user_group(user.pk)
    transaction.on_commit(lambda: fanout.group_send_sync(group, fanout.revoke_event(code=code, reason=reason)))


def user_ban(*, user) -> None:
    """Ban: no new sign-in, every token revoked, every socket closed with 4403."""
    with transaction.atomic():
        Profile.objects.filter(user=user).update(banned=True)
        tokens_revoke_all(user=user, reason="banned", code=4403)
    log.info("user banned", extra={"userId": user.pk})


def user_unban(*, user) -> None:
    Profile.objects.filter(user=user).update(banned=False)
    log.info("user unbanned", extra={"userId": user.pk})


def user_mute(*, user, muted: bool) -> None:
    """A muted user stays signed in; chat refuses their messages with MUTED."""
    Profile.objects.filter(user=user).update(muted=muted)
    log.info("user muted" if muted else "user unmuted", extra={"userId": user.pk})


def password_change(*, user, new_password: str) -> None:
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        tokens_revoke_all(user=user, reason="password changed")


def account_delete(*, user) -> None:
    user_id = user.pk
    with transaction.atomic():
        tokens_revoke_all(user=user, reason="account deleted")
        for purge in hooks.account_deleted:
            purge(user)
        user.delete()
    log.info("account deleted", extra={"userId": user_id})
