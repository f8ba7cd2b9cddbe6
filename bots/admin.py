import pydantic
from django import forms
from django.contrib import admin

from . import services
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
    list_display = ("__str__", "display_name", "enabled", "asleep")
    list_filter = ("enabled", "asleep")
    search_fields = ("user__username", "display_name")
    raw_id_fields = ("user",)
    readonly_fields = ("asleep",)

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
