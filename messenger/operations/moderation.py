"""User-level moderation services: each does the change, acts on live sockets
on every process, and writes an audit record in the same transaction.

Room and message moderation (kick, lock, delete, clear) is chat's
(chat/moderation.py): messenger never imports the apps. Both write their
trail through `moderation_record`.

Every function returns True when it changed something and False when there
was nothing to do (a second ban, an already muted user): the admin says so
and no audit record is written for a no-op.
"""

import logging

from django.db import transaction

from messenger import errors
from messenger.accounts import services
from messenger.models import Profile
from messenger.operations import audit
from messenger.platform import metrics

log = logging.getLogger("messenger.operations.moderation")


def moderation_record(
    *, moderator, action: str, target_type: str, target_id, target_label: str, reason: str, **details
) -> None:
    """The audit record, metric and log line of one moderation action; call it
    inside the action's transaction so the record commits with the change."""
    audit.audit_record(
        actor=moderator,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        reason=reason,
        details=details,
    )
    transaction.on_commit(lambda: metrics.MODERATION_ACTIONS.labels(action).inc())
    log.info("moderation", extra={"action": action, "targetType": target_type, "targetId": str(target_id)})


def _flag_user(*, moderator, user, field: str, value: bool, action: str, reason: str) -> bool:
    with transaction.atomic():
        changed = Profile.objects.filter(user=user).exclude(**{field: value}).update(**{field: value})
        if not changed:
            return False
        moderation_record(
            moderator=moderator,
            action=action,
            target_type="user",
            target_id=user.pk,
            target_label=user.username,
            reason=reason,
        )
    return True


def user_ban(*, moderator, user, reason: str = "") -> bool:
    """No new sign-in; every token revoked; every socket closes with 4403 on every process."""
    with transaction.atomic():
        if not _flag_user(moderator=moderator, user=user, field="banned", value=True, action="user_ban", reason=reason):
            return False
        services.tokens_revoke_all(user=user, reason="banned", code=errors.CLOSE_FORBIDDEN)
    return True


def user_unban(*, moderator, user, reason: str = "") -> bool:
    return _flag_user(moderator=moderator, user=user, field="banned", value=False, action="user_unban", reason=reason)


def user_mute(*, moderator, user, reason: str = "") -> bool:
    """The room socket reads the flag on every write, on every process (chat.services)."""
    return _flag_user(moderator=moderator, user=user, field="muted", value=True, action="user_mute", reason=reason)


def user_unmute(*, moderator, user, reason: str = "") -> bool:
    return _flag_user(moderator=moderator, user=user, field="muted", value=False, action="user_unmute", reason=reason)


def account_delete(*, moderator, user) -> None:
    """Deletion from the admin: the same purge as DELETE /api/auth/me, attributed to the moderator."""
    with audit.acting(moderator):
        services.account_delete(user=user)
