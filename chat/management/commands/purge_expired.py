"""manage.py purge_expired: delete messages (and analytics events) past their retention.

Safe while serving and resumable: each batch is deleted in its own short
transaction, so an interrupted run leaves whole batches gone and the rest
untouched, and the next run carries on with what is still past the cutoff.
Only rows older than the cutoff are touched; new messages are never near it.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from chat.models import Message
from messenger.models import AnalyticsEvent
from messenger.operations.progress import ProgressBar


class Command(BaseCommand):
    help = "Delete messages older than MESSAGE_RETENTION_DAYS and analytics events older than ANALYTICS_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.MESSAGE_RETENTION_DAYS, help="message retention in days")
        parser.add_argument(
            "--analytics-days", type=int, default=settings.ANALYTICS_RETENTION_DAYS, help="analytics retention in days"
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="only count what would go")

    def handle(self, *args, days: int, analytics_days: int, batch_size: int, dry_run: bool, **options):
        if days < 1 or analytics_days < 1 or batch_size < 1:
            raise CommandError("--days, --analytics-days and --batch-size must be at least 1.")
        now = datetime.now(UTC)
        for label, model, field, keep in (
            ("messages", Message, "created_at", days),
            ("analytics events", AnalyticsEvent, "ts", analytics_days),
        ):
            cutoff = now - timedelta(days=keep)
            expired = model.objects.filter(**{f"{field}__lt": cutoff})
            total = expired.count()
            if dry_run:
                self.stdout.write(f"{label}: {total} older than {cutoff:%Y-%m-%d %H:%M} UTC would be deleted")
                continue
            deleted = self._purge(expired, total, batch_size, label)
            self.stdout.write(self.style.SUCCESS(f"{label}: deleted {deleted} older than {cutoff:%Y-%m-%d %H:%M} UTC"))

    def _purge(self, expired, total: int, batch_size: int, label: str) -> int:
        bar = ProgressBar(self.stdout, total, label)
        deleted = 0
        while True:
            with transaction.atomic():
                pks = list(expired.order_by("pk").values_list("pk", flat=True)[:batch_size])
                if not pks:
                    break
                count, _ = expired.model.objects.filter(pk__in=pks).delete()
            deleted += count
            bar.advance(count)
        bar.finish()
        return deleted
