"""manage.py export_user USERNAME: everything held about a user, as JSON (an access request).

The sections come from messenger.operations.export: account and profile, what each app
holds (contacts, read positions, every message sent, decrypted, deleted ones
marked; a bot's usage), analytics events and the audit records about them.
"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from messenger.operations.export import user_export


class Command(BaseCommand):
    help = "Write everything held about a user as JSON (stdout, or --output FILE)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args, username: str, output: str | None, **options):
        user = get_user_model().objects.select_related("profile").filter(username=username.strip().lower()).first()
        if user is None:
            raise CommandError(
                f"No user {username!r}. A deleted account leaves nothing to export: its data was purged."
            )
        text = json.dumps(user_export(user), ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text)
