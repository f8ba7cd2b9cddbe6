"""Account writes: registration, token revocation, moderation, deletion."""

import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from messenger import hooks
from messenger.accounts import names, tokens
from messenger.models import Profile, RetiredUsername
from messenger.platform import fanout

log = logging.getLogger("messenger.accounts")


class UsernameTaken(Exception):
    pass


class NameRefused(Exception):
    """A name nobody may register: `field` is "username" or "displayName"."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def names_check(*, username: str, display_name: str) -> None:
    """NameRefused for a reserved username, a deleted account's username, or a
    username or display name that looks like an existing account's."""
    username_key, display_key = names.skeleton(username), names.skeleton(display_name)
    if names.is_reserved(username):
        raise NameRefused("username", f"The username {username!r} is reserved.")
    if RetiredUsername.objects.filter(digest=names.retired_digest(username)).exists():
        raise NameRefused("username", f"The username {username!r} belonged to a deleted account and is not given out again.")
    if Profile.objects.filter(username_skeleton=username_key).exists():
        raise NameRefused("username", f"The username {username!r} looks too much like an existing account's.")
    if Profile.objects.filter(display_skeleton=display_key).exists():
        raise NameRefused("displayName", f"The display name {display_name!r} looks too much like someone else's.")


def user_create(
    *, username: str, password: str | None, display_name: str, is_bot: bool = False, avatar: str | None = None,
    personal_message: str = "", vet_names: bool = False,
):
    """A new account. With vet_names (registration), names_check runs first."""
    User = get_user_model()
    user = User(username=username)
    # Hash before touching the database: no pooled connection waits out the ~0.5 s hash.
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    if User.objects.filter(username=username).exists():
        raise UsernameTaken(username)
    if vet_names:
        names_check(username=username, display_name=display_name)
    profile = Profile(
        display_name=display_name, is_bot=is_bot, personal_message=personal_message,
        username_skeleton=names.skeleton(username), display_skeleton=names.skeleton(display_name),
    )
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
        RetiredUsername.objects.get_or_create(digest=names.retired_digest(user.username))
        user.delete()
    log.info("account deleted", extra={"userId": user_id})
