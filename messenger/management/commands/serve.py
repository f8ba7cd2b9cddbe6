"""`manage.py serve`: the messenger on HOST:PORT, in one or several server processes (messenger/realtime/serving.py)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from messenger.realtime import serving


class Command(BaseCommand):
    help = "Run the messenger on HOST:PORT (--workers N for several processes sharing the port)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.HOST)
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))

    def handle(self, *args, host, port, workers, **options):
        serving.run(host=host, port=port, workers=workers, stdout=self.stdout, stderr=self.stderr)
