import pydantic
from django import forms
from django.contrib import admin, messages

from messenger.operations import admin_actions

from . import quota, services
from .models import Invocation, Persona
from .repertoire import Repertoire
from .style import StyleRules


def _validated(value, schema: type[pydantic.BaseModel]):
    try:
        schema.model_validate(value or {})
    except pydantic.ValidationError as exc:
        raise forms.ValidationError([f"{'.'.join(map(str, e['loc'])) or 'rules'}: {e['msg']}" for e in exc.errors()])
    return value or {}


class PersonaForm(forms.ModelForm):
    class Meta:
        model = Persona
        fields = "__all__"

    def clean_style(self):
        return _validated(self.cleaned_data.get("style"), StyleRules)

    def clean_repertoire(self):
        return _validated(self.cleaned_data.get("repertoire"), Repertoire)


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    form = PersonaForm
    list_display = ("__str__", "display_name", "enabled", "asleep", "used_today")
    list_filter = ("enabled", "asleep")
    search_fields = ("user__username", "display_name")
    raw_id_fields = ("user",)
    readonly_fields = ("asleep",)
    actions = ("reset_quota_of_selected", "reset_quota_of_all")
    action_form = admin_actions.ModerationActionForm

    @admin.display(description="used today")
    def used_today(self, persona: Persona) -> int:
        # A handful of bots: one counter read per row is cheap.
        return quota.usage().per_bot.get(persona.handle, 0)

    def changelist_view(self, request, extra_context=None):
        usage = quota.usage()
        title = (
            f"Bot personas: {usage.used} of {usage.quota} interactions used on {usage.day} UTC,"
            f" {usage.left} left (resets {quota.next_reset():%Y-%m-%d %H:%M} UTC)"
        )
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def _reset(self, request, handles: list[str | None]):
        reason = admin_actions.reason_of(request)
        given_back = woken = 0
        for handle in handles:
            back, up = services.bot_quota_reset(actor=request.user, handle=handle, reason=reason)
            given_back, woken = given_back + back, woken + up
        usage = quota.usage()
        self.message_user(
            request,
            f"Gave back {given_back} interaction(s); {usage.left} of {usage.quota} left today; woke {woken} bot(s).",
            messages.SUCCESS,
        )

    @admin.action(description="Reset today's quota: the selected bots' shares")
    def reset_quota_of_selected(self, request, queryset):
        if not admin_actions.confirmed(request):
            return admin_actions.confirm_page(
                request, self, queryset, action="reset_quota_of_selected", title="Reset these bots' quota",
                consequence="Today's interactions of these bots go back to the shared pool; sleeping bots wake up.",
            )
        self._reset(request, [persona.handle for persona in queryset.select_related("user")])

    @admin.action(description="Reset today's quota: all bots (whatever is selected)")
    def reset_quota_of_all(self, request, queryset):
        if not admin_actions.confirmed(request):
            return admin_actions.confirm_page(
                request, self, queryset, action="reset_quota_of_all", title="Reset the whole day's bot quota",
                consequence="Every interaction used today, by every bot, goes back to the pool; sleeping bots wake up.",
            )
        self._reset(request, [None])

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The persona is how the bot appears: its user's profile follows it.
        services.persona_profile_sync(persona=obj)


@admin.register(Invocation)
class InvocationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "persona", "outcome", "latency_ms", "prompt_tokens", "completion_tokens", "neurons")
    list_filter = ("outcome", "persona")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
