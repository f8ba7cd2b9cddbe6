"""manage.py rotate_message_key: re-encrypt stored message text under the current key.

Put the new key first in MESSAGE_ENCRYPTION_KEYS (old keys after it), restart
the servers, then run this. Safe while serving and resumable: rows are
rewritten in batches, each row only if its text is still what was read, and
rows already under the current key (or blank) are left alone. Plain rows
stored before encryption was turned on are encrypted too. Once it reports 0
left, the old keys can be removed.
"""

from django.core.management.base import BaseCommand, CommandError

from chat import crypto
from chat.models import Message
from messenger.operations.progress import ProgressBar


class Command(BaseCommand):
    help = "Re-encrypt message text under the first key of MESSAGE_ENCRYPTION_KEYS, in batches."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        crypto.reload_keys()
        if not crypto.enabled():
            raise CommandError("No MESSAGE_ENCRYPTION_KEY(S) configured: there is no key to rotate to.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        current = crypto.current_key_id()
        rows = Message.objects.exclude(text="")
        bar = ProgressBar(self.stdout, rows.count(), f"re-encrypting under key {current}")
        rewritten = failed = 0
        last_pk = 0
        while True:
            batch = list(rows.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "room_id", "seq", "text")[:batch_size])
            if not batch:
                break
            last_pk = batch[-1][0]
            for pk, room_id, seq, text in batch:
                try:
                    fresh = crypto.reencrypt(text, room_id, seq)
                except ValueError:
                    failed += 1
                    continue
                # Only if unchanged since read: a concurrent deletion or account purge wins.
                if fresh is not None and Message.objects.filter(pk=pk, text=text).update(text=fresh):
                    rewritten += 1
            bar.advance(len(batch))
        bar.finish()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rewritten} message(s) under key {current}."))
        if failed:
            raise CommandError(
                f"{failed} message(s) are encrypted with a key that is not configured; add that key and run again."
            )
