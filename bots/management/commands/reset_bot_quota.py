from django.core.management.base import BaseCommand, CommandError

from bots import quota, services
from bots.models import Persona


class Command(BaseCommand):
    help = "Give today's bot interactions back to the pool (all, or one bot's share) and wake the bots."

    def add_arguments(self, parser):
        parser.add_argument("--bot", metavar="HANDLE", help="only give back this bot's share")

    def handle(self, *args, bot=None, **options):
        handle = bot.lstrip("@").lower() if bot else None
        if handle and not Persona.objects.filter(user__username=handle).exists():
            raise CommandError(f"No bot @{handle}.")
        given_back, woken = services.bot_quota_reset(actor=None, handle=handle)
        usage = quota.usage()
        self.stdout.write(
            self.style.SUCCESS(
                f"Gave back {given_back} interaction(s); {usage.left} of {usage.quota} left today; woke {woken} bot(s)."
            )
        )
