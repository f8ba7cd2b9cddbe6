from django.core.management.base import BaseCommand
from django.db import transaction

from messenger import hooks
from messenger.accounts.seed import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Create the demo users, rooms, contacts and bots (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            for seeder in hooks.seeders:
                seeder(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Sign in as alice (or bob, carol, ...) with password {DEMO_PASSWORD!r}."))
