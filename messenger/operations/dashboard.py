"""The operators' pages in the admin: the analytics dashboard and the read-only audit log."""

from datetime import UTC, datetime, timedelta

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.template.response import TemplateResponse

from messenger.models import AuditLog
from messenger.operations import analytics, charts

DASHBOARD_RANGES = {"24h": 24, "7d": 24 * 7}


@staff_member_required
def dashboard(request):
    range_key = request.GET.get("range", "24h")
    hours = DASHBOARD_RANGES.get(range_key, 24)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    context = {
        **admin.site.each_context(request),
        "title": "Messenger dashboard",
        "range_key": range_key if range_key in DASHBOARD_RANGES else "24h",
        "ranges": list(DASHBOARD_RANGES),
        "charts": [
            charts.bar_chart("Messages per hour", analytics.hourly(start, end, names=("message_sent",))),
            charts.bar_chart(
                "Active users per hour",
                analytics.hourly(start, end, names=("message_sent", "ws_connect", "login_success"), distinct_users=True),
            ),
            charts.bar_chart("Bot calls per hour", analytics.hourly(start, end, names=("ai_invocation",))),
        ],
        "summary": analytics.summary(start, end),
    }
    return TemplateResponse(request, "admin/cfm_dashboard.html", context)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the services, never edited by hand."""

    list_display = ("ts", "actor_label", "action", "target_type", "target_label", "reason")
    list_filter = ("action", "target_type")
    search_fields = ("actor_label", "target_label", "target_id", "reason")
    date_hierarchy = "ts"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
