"""Account writes: registration, token revocation, moderation, deletion."""

import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from messenger import hooks
from messenger.accounts import tokens
from messenger.models import Profile
from messenger.platform import fanout

log = logging.getLogger("messenger.accounts")


class UsernameTaken(Exception):
    pass


def user_create(*, username: str, password: str | None, display_name: str, is_bot: bool = False, avatar: str | None = None, personal_message: str = ""):
    User = get_user_model()
    user = User(username=username)
    # Hash before touching the database: no pooled connection waits out the ~0.5 s hash.
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    if User.objects.filter(username=username).exists():
        raise UsernameTaken(username)
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
    """The active user for these credentials, or None. Runs the hasher for
    unknown users too (Django's ModelBackend does), so timing doesn't tell
    them apart.

    The database connection goes back to the pool before the hash: held
    through ~0.5 s of PBKDF2, four sign-ins at once took half the pool and
    sockets' message writes queued behind them (bench (e): room p99 10x quiet).
    """
    User = get_user_model()
    user = User.objects.select_related("profile").filter(**{User.USERNAME_FIELD: username}).first()
    if not connection.in_atomic_block:
        connection.close()
    if user is None:
        User().set_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def tokens_revoke_all(*, user, reason: str = "revoked", code: int = 4401) -> None:
    """Every token of the user stops working at once; their sockets close."""
    ended_epoch = Profile.objects.filter(user=user).values_list("token_epoch", flat=True).first()
    if ended_epoch is not None:
        tokens.tokens_ended(user_id=user.pk, epoch=ended_epoch, reason=reason)
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
