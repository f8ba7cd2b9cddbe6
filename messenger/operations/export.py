"""Everything held about a user, for an access request (`manage.py export_user`).

messenger writes its own sections (account, profile, analytics events, audit
records); the apps add theirs through messenger.hooks.user_exporters, so this
module never needs to know what chat, presence or bots store.
"""

from django.db.models import Q

from messenger import hooks
from messenger.models import AnalyticsEvent, AuditLog


def epoch_ms(value) -> int | None:
    return int(value.timestamp() * 1000) if value else None


def _account(user) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "dateJoined": epoch_ms(user.date_joined),
        "lastLogin": epoch_ms(user.last_login),
        "isStaff": user.is_staff,
    }


def _profile(user) -> dict:
    profile = user.profile
    return {
        "displayName": profile.display_name,
        "status": profile.status,
        "personalMessage": profile.personal_message,
        "avatar": profile.avatar,
        "bot": profile.is_bot,
        "muted": profile.muted,
        "banned": profile.banned,
    }


def _analytics_events(user) -> list[dict]:
    return [
        {"event": e.name, "ts": epoch_ms(e.ts), "roomId": e.room_id, "fields": e.fields}
        for e in AnalyticsEvent.objects.filter(user_id=user.pk).order_by("ts").iterator()
    ]


def _audit_records(user) -> list[dict]:
    about = AuditLog.objects.filter(Q(actor_id=user.pk) | Q(target_type="user", target_id=str(user.pk)))
    return [
        {
            "ts": epoch_ms(a.ts),
            "action": a.action,
            "by": a.actor_label,
            "reason": a.reason,
            "actor": a.actor_id == user.pk,
        }
        for a in about.order_by("ts")
    ]


def user_export(user) -> dict:
    data = {"account": _account(user), "profile": _profile(user)}
    for name, exporter in hooks.user_exporters.items():
        section = exporter(user)
        if section is not None:
            data[name] = section
    data["analyticsEvents"] = _analytics_events(user)
    data["auditRecords"] = _audit_records(user)
    return data
