"""Shared pieces of the moderation actions in the admin (users here, rooms and
messages in chat/admin.py, bot quotas in bots/admin.py): the reason / user
fields on the action bar, a confirmation page for destructive actions, and
the result message."""

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.helpers import ActionForm
from django.template.response import TemplateResponse

CONFIRM_FIELD = "cfm_confirmed"


class ModerationActionForm(ActionForm):
    reason = forms.CharField(required=False, max_length=500, label="Reason", help_text="Kept in the audit log.")


class RoomModerationActionForm(ModerationActionForm):
    username = forms.CharField(required=False, max_length=32, label="User (for kick)")


def reason_of(request) -> str:
    return (request.POST.get("reason") or "").strip()[:500]


def confirmed(request) -> bool:
    return request.POST.get(CONFIRM_FIELD) == "yes"


def confirm_page(request, modeladmin, queryset, *, action: str, title: str, consequence: str):
    """The page a destructive action shows first; its form posts the action again, confirmed."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "consequence": consequence,
        "objects": list(queryset[:200]),
        "count": queryset.count(),
        "action": action,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "confirm_field": CONFIRM_FIELD,
        "reason": reason_of(request),
        "opts": opts,
    }
    return TemplateResponse(request, "admin/cfm_confirm_action.html", context)


def moderate_each(modeladmin, request, queryset, service, *, target: str, verb: str, skipped_why: str) -> None:
    """Run a moderation service (keyword-only moderator, <target>, reason) on
    every selected row and report how many it changed and how many it skipped."""
    reason = reason_of(request)
    done = sum(service(moderator=request.user, reason=reason, **{target: row}) for row in queryset)
    report(modeladmin, request, done=done, skipped=queryset.count() - done, verb=verb, skipped_why=skipped_why)


def report(modeladmin, request, *, done: int, skipped: int, verb: str, skipped_why: str) -> None:
    if done:
        modeladmin.message_user(request, f"{verb} {done}.", messages.SUCCESS)
    if skipped:
        modeladmin.message_user(request, f"Skipped {skipped}: {skipped_why}.", messages.WARNING)
