from django.core.management.base import BaseCommand, CommandError

from bots import quota, services
from bots.models import Persona
from messenger import audit


class Command(BaseCommand):
    help = "Give today's bot interactions back to the pool (all, or one bot's share) and wake the bots."

    def add_arguments(self, parser):
        parser.add_argument("--bot", metavar="HANDLE", help="only give back this bot's share")

    def handle(self, *args, bot=None, **options):
        handle = bot.lstrip("@").lower() if bot else None
        if handle and not Persona.objects.filter(user__username=handle).exists():
            raise CommandError(f"No bot @{handle}.")
        given_back = quota.reset(handle)
        audit.audit_record(
            actor=None, action="bot_quota_reset", target_type="bot", target_id=handle or "all",
            target_label=f"@{handle}" if handle else "all bots", details={"givenBack": given_back},
        )
        woken = services.bots_wake_sync() if not quota.spent() else 0
        usage = quota.usage()
        self.stdout.write(
            self.style.SUCCESS(
                f"Gave back {given_back} interaction(s); {usage.left} of {usage.quota} left today; woke {woken} bot(s)."
            )
        )
