"""Moderator's view of accounts: Django's User with the messenger Profile inline.

Ban goes through an action, not a checkbox, because banning must also revoke
every token and close the user's sockets (moderation.user_ban, audited).
"""

from asgiref.sync import async_to_sync
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from messenger import hooks
from messenger.accounts import services
from messenger.models import Profile
from messenger.operations import admin_actions, moderation

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("display_name", "status", "personal_message", "avatar", "is_bot", "muted", "banned", "created_at")
    readonly_fields = ("banned", "created_at")


class ProfileFilter(admin.SimpleListFilter):
    """Base for yes/no filters on a Profile flag."""

    flag = ""

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"profile__{self.flag}": self.value() == "yes"})
        return queryset


class BannedFilter(ProfileFilter):
    title = parameter_name = "banned"
    flag = "banned"


class MutedFilter(ProfileFilter):
    title = parameter_name = "muted"
    flag = "muted"


class BotFilter(ProfileFilter):
    title = parameter_name = "bot"
    flag = "is_bot"


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Profiles on their own, for sorting and filtering by messenger fields."""

    list_display = ("user", "display_name", "status", "is_bot", "muted", "banned", "created_at")
    list_filter = ("banned", "muted", "is_bot", "status")
    search_fields = ("user__username", "display_name", "personal_message")
    list_select_related = ("user",)
    readonly_fields = ("user", "banned", "token_epoch", "created_at")


admin.site.unregister(User)


@admin.register(User)
class MessengerUserAdmin(UserAdmin):
    inlines = (ProfileInline,)
    list_display = (
        "username",
        "display_name",
        "status",
        "is_bot",
        "muted",
        "banned",
        "is_staff",
        "last_login",
        "date_joined",
    )
    list_filter = (BannedFilter, MutedFilter, BotFilter, "profile__status", "is_staff", "is_active")
    search_fields = ("username", "email", "profile__display_name", "profile__personal_message")
    list_select_related = ("profile",)
    # Kicking is done from the room (chat/admin.py): a kick needs one.
    actions = ("ban", "unban", "mute", "unmute", "sign_out_everywhere")
    # A reason (audit log) typed next to the action menu.
    action_form = admin_actions.ModerationActionForm

    @admin.display(description="display name", ordering="profile__display_name")
    def display_name(self, user):
        return user.profile.display_name

    @admin.display(ordering="profile__status")
    def status(self, user):
        return user.profile.status

    @admin.display(boolean=True, description="bot", ordering="profile__is_bot")
    def is_bot(self, user):
        return user.profile.is_bot

    @admin.display(boolean=True, ordering="profile__muted")
    def muted(self, user):
        return user.profile.muted

    @admin.display(boolean=True, ordering="profile__banned")
    def banned(self, user):
        return user.profile.banned

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            # Status or personal message edits show up on everyone's roster.
            async_to_sync(hooks.notify_profile_changed)(form.instance.pk)

    def _moderate(self, request, queryset, service, *, verb: str, skipped_why: str):
        admin_actions.moderate_each(self, request, queryset, service, target="user", verb=verb, skipped_why=skipped_why)

    @admin.action(description="Ban (revoke tokens, close sockets)")
    def ban(self, request, queryset):
        self._moderate(request, queryset, moderation.user_ban, verb="Banned", skipped_why="already banned")

    @admin.action(description="Unban")
    def unban(self, request, queryset):
        self._moderate(request, queryset, moderation.user_unban, verb="Unbanned", skipped_why="not banned")

    @admin.action(description="Mute (can read, can't post)")
    def mute(self, request, queryset):
        self._moderate(request, queryset, moderation.user_mute, verb="Muted", skipped_why="already muted")

    @admin.action(description="Unmute")
    def unmute(self, request, queryset):
        self._moderate(request, queryset, moderation.user_unmute, verb="Unmuted", skipped_why="not muted")

    def delete_model(self, request, obj):
        """Deleting an account here purges it like DELETE /api/auth/me (hooks, audit)."""
        moderation.account_delete(moderator=request.user, user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            moderation.account_delete(moderator=request.user, user=user)

    @admin.action(description="Sign out everywhere (revoke all tokens)")
    def sign_out_everywhere(self, request, queryset):
        for user in queryset:
            services.tokens_revoke_all(user=user, reason="signed out by a moderator")
        self.message_user(request, f"Revoked the tokens of {queryset.count()} user(s).", messages.SUCCESS)
