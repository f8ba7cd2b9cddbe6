"""manage.py export_user USERNAME: everything held about a user, as JSON (an access request).

The answer to "what do you hold about me": account and profile, contacts and
blocks, read positions, every message they sent (decrypted, deleted ones
included, marked), their analytics events and the audit records about them.
"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from chat.models import Message, ReadMarker
from messenger.crypto import decrypt_text
from messenger.models import AnalyticsEvent, AuditLog
from presence.models import Contact


def _ms(value) -> int | None:
    return int(value.timestamp() * 1000) if value else None


def user_export(user) -> dict:
    profile = user.profile
    return {
        "account": {
            "username": user.username,
            "email": user.email,
            "dateJoined": _ms(user.date_joined),
            "lastLogin": _ms(user.last_login),
            "isStaff": user.is_staff,
        },
        "profile": {
            "displayName": profile.display_name,
            "status": profile.status,
            "personalMessage": profile.personal_message,
            "avatar": profile.avatar,
            "bot": profile.is_bot,
            "muted": profile.muted,
            "banned": profile.banned,
        },
        "contacts": [
            {"username": c.contact.username, "listed": c.listed, "blocked": c.blocked, "since": _ms(c.created_at)}
            for c in Contact.objects.filter(owner=user).select_related("contact").order_by("contact__username")
        ],
        "listedBy": sorted(Contact.objects.filter(contact=user, listed=True).values_list("owner__username", flat=True)),
        "readMarkers": [
            {"roomId": m.room_id, "lastReadSeq": m.last_read_seq} for m in ReadMarker.objects.filter(user=user).order_by("room_id")
        ],
        "messages": [
            {
                "roomId": m.room_id,
                "seq": m.seq,
                "ts": m.ts,
                "text": decrypt_text(m.text, m.room_id, m.seq),
                "deleted": m.deleted,
            }
            for m in Message.objects.filter(sender=user).order_by("room_id", "seq").iterator()
        ],
        "analyticsEvents": [
            {"event": e.name, "ts": _ms(e.ts), "roomId": e.room_id, "fields": e.fields}
            for e in AnalyticsEvent.objects.filter(user_id=user.pk).order_by("ts").iterator()
        ],
        "auditRecords": [
            {"ts": _ms(a.ts), "action": a.action, "by": a.actor_label, "reason": a.reason, "actor": a.actor_id == user.pk}
            for a in AuditLog.objects.filter(Q(actor_id=user.pk) | Q(target_type="user", target_id=str(user.pk))).order_by("ts")
        ],
    }


class Command(BaseCommand):
    help = "Write everything held about a user as JSON (stdout, or --output FILE)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args, username: str, output: str | None, **options):
        user = get_user_model().objects.select_related("profile").filter(username=username.strip().lower()).first()
        if user is None:
            raise CommandError(
                f"No user {username!r}. A deleted account leaves nothing to export: its data was purged."
            )
        text = json.dumps(user_export(user), ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text)
