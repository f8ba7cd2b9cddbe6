"""The audit log: one record per moderation action, account deletion and quota reset.

Records are written in the same transaction as the change they describe, so
an action that rolls back leaves no record and a record never lacks its action.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q

from messenger.models import AuditLog
from messenger.platform import text_rules

DELETED_LABEL = "[deleted account]"


def _user_label(user) -> tuple[int | None, str]:
    if user is None:
        return None, "system"
    return user.pk, user.get_username()


def _printable(text: str, limit: int) -> str:
    """A label or reason as stored: control characters (a NUL PostgreSQL would
    refuse, taking the moderation action down with it) shown as U+FFFD."""
    return text_rules.CONTROL_RE.sub("\ufffd", text)[:limit]


def audit_record(*, actor, action: str, target_type: str, target_id, target_label: str = "", reason: str = "", details: dict | None = None) -> AuditLog:
    """`actor` is the moderator (a User) or None for the system / a command line."""
    actor_id, actor_label = _user_label(actor)
    return AuditLog.objects.create(
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        target_type=target_type,
        target_id=_printable(str(target_id), 80),
        target_label=_printable(target_label, 150),
        reason=_printable(reason, 500),
        details=details or {},
    )


def audit_anonymise_user(user) -> None:
    """Account deletion: the records stay (they are the operator's trail), the person goes."""
    AuditLog.objects.filter(actor_id=user.pk).update(actor_id=None, actor_label=DELETED_LABEL)
    AuditLog.objects.filter(Q(target_type="user") & Q(target_id=str(user.pk))).update(
        # A moderator's free-text reason may name the person too.
        target_id="", target_label=DELETED_LABEL, reason="", details={}
    )


_acting_moderator: ContextVar = ContextVar("acting_moderator", default=None)


@contextmanager
def acting(moderator):
    """Attribute records written inside (e.g. by deletion hooks) to this moderator."""
    reset = _acting_moderator.set(moderator)
    try:
        yield
    finally:
        _acting_moderator.reset(reset)


def account_deleted(user) -> None:
    """messenger.hooks.account_deleted: anonymise the user's trail, then record the deletion itself."""
    audit_anonymise_user(user)
    moderator = _acting_moderator.get()
    audit_record(
        actor=moderator,
        action="account_delete",
        target_type="user",
        target_id="",
        target_label=DELETED_LABEL,
        reason="deleted by a moderator" if moderator else "deleted by its owner",
    )
