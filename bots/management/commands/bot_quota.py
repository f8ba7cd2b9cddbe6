from django.core.management.base import BaseCommand
from django.db.models import Count, Sum

from bots import quota
from bots.models import Invocation


class Command(BaseCommand):
    help = "Show today's bot quota (UTC): used, left, and each bot's share and tokens."

    def handle(self, *args, **options):
        usage = quota.usage()
        self.stdout.write(
            f"{usage.day} UTC: {usage.used} of {usage.quota} bot interactions used, {usage.left} left"
            f" (resets {quota.next_reset():%Y-%m-%d %H:%M} UTC)"
        )
        calls = {
            row["persona__user__username"]: row
            for row in Invocation.objects.filter(created_at__date=usage.day)
            .values("persona__user__username")
            .annotate(calls=Count("id"), prompt=Sum("prompt_tokens"), completion=Sum("completion_tokens"), neurons=Sum("neurons"))
        }
        for handle in sorted(set(usage.per_bot) | set(calls)):
            row = calls.get(handle, {})
            neurons = f", {row['neurons']:.1f} neurons" if row.get("neurons") else ""
            self.stdout.write(
                f"  @{handle}: {usage.per_bot.get(handle, 0)} interactions, {row.get('calls', 0)} answers,"
                f" {row.get('prompt') or 0} prompt + {row.get('completion') or 0} completion tokens{neurons}"
            )
