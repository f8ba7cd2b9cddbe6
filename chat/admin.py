from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from chat.crypto import decrypt_text
from messenger.operations import admin_actions

from . import moderation
from .models import Message, ReadMarker, Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "kind", "topic", "locked", "last_seq", "created_at")
    list_filter = ("kind", "locked")
    search_fields = ("id", "name", "topic")
    readonly_fields = ("last_seq", "created_at")
    # Locking goes through actions (chat.moderation): they write the audit log.
    exclude = ("locked",)
    actions = ("lock", "unlock", "kick", "clear_history")
    # A reason (audit log) and a username (kick) typed next to the action menu.
    action_form = admin_actions.RoomModerationActionForm

    def _flag(self, request, queryset, service, *, verb: str, skipped_why: str):
        admin_actions.moderate_each(self, request, queryset, service, target="room", verb=verb, skipped_why=skipped_why)

    @admin.action(description="Lock (writes get ROOM_LOCKED)")
    def lock(self, request, queryset):
        self._flag(request, queryset, moderation.room_lock, verb="Locked", skipped_why="already locked")

    @admin.action(description="Unlock")
    def unlock(self, request, queryset):
        self._flag(request, queryset, moderation.room_unlock, verb="Unlocked", skipped_why="not locked")

    @admin.action(description="Kick the user typed below (closes their sockets in these rooms)")
    def kick(self, request, queryset):
        username = (request.POST.get("username") or "").strip().lstrip("@").lower()
        user = get_user_model().objects.filter(username=username).first() if username else None
        if user is None:
            self.message_user(request, "Kick: type the username of an existing user in the User field.", messages.ERROR)
            return
        reason = admin_actions.reason_of(request)
        for room in queryset:
            moderation.user_kick(moderator=request.user, room=room, user=user, reason=reason)
        rooms = ", ".join(room.pk for room in queryset)
        self.message_user(request, f"Kicked {user.username} from {rooms}.", messages.SUCCESS)

    @admin.action(description="Clear history (delete every message)")
    def clear_history(self, request, queryset):
        if not admin_actions.confirmed(request):
            return admin_actions.confirm_page(
                request, self, queryset, action="clear_history", title="Clear room history",
                consequence="Every message of these rooms disappears from history and from open windows. This cannot be undone.",
            )
        reason = admin_actions.reason_of(request)
        cleared = sum(moderation.room_clear(moderator=request.user, room=room, reason=reason) for room in queryset)
        self.message_user(request, f"Deleted {cleared} message(s).")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("room", "seq", "sender", "short_text", "bot", "deleted", "created_at")
    list_filter = ("bot", "deleted", "room__kind")
    search_fields = ("room__id", "sender__username", "text")
    list_select_related = ("room", "sender")
    raw_id_fields = ("room", "sender")
    readonly_fields = ("room", "seq", "sender", "client_id", "ts", "created_at")
    ordering = ("-created_at",)
    # Text may be stored encrypted: it is shown decrypted and never edited here.
    exclude = ("text", "deleted")
    actions = ("delete_for_everyone",)
    action_form = admin_actions.ModerationActionForm

    @admin.display(description="text")
    def short_text(self, message: Message) -> str:
        text = decrypt_text(message.text, message.room_id, message.seq)
        return text if len(text) <= 80 else text[:79] + "…"

    def get_actions(self, request):
        # Django's own bulk delete would remove rows without telling the room.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Delete for everyone (a delete frame to the room)")
    def delete_for_everyone(self, request, queryset):
        if not admin_actions.confirmed(request):
            return admin_actions.confirm_page(
                request, self, queryset, action="delete_for_everyone", title="Delete messages",
                consequence="These messages disappear from history and from every open window of their rooms.",
            )
        admin_actions.moderate_each(
            self, request, queryset, moderation.message_delete, target="message", verb="Deleted", skipped_why="already deleted"
        )


@admin.register(ReadMarker)
class ReadMarkerAdmin(admin.ModelAdmin):
    list_display = ("user", "room", "last_read_seq")
    search_fields = ("user__username", "room__id")
    raw_id_fields = ("user", "room")
