"""manage.py analytics --since 24h: how many of each event, from how many users."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from messenger.operations import analytics


class Command(BaseCommand):
    help = "Print a summary of the analytics events of the last period (--since 30m, 24h, 7d)."

    def add_arguments(self, parser):
        parser.add_argument("--since", default="24h", help="how far back: a number and s, m, h or d (default 24h)")

    def handle(self, *args, since: str, **options):
        try:
            period = analytics.parse_since(since)
        except ValueError as exc:
            raise CommandError(f"--since: {exc}")
        end = datetime.now(UTC)
        start = end - period
        rows = analytics.summary(start, end)
        self.stdout.write(f"Analytics from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC ({since})")
        self.stdout.write(f"{'event':<16} {'count':>10} {'users':>8}")
        self.stdout.write(f"{'-' * 16} {'-' * 10} {'-' * 8}")
        for row in rows:
            self.stdout.write(f"{row['name']:<16} {row['count']:>10} {row['users']:>8}")
        self.stdout.write(f"{'total':<16} {sum(row['count'] for row in rows):>10}")
