import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bots import inference, prompt, services
from bots.models import Persona


class Command(BaseCommand):
    help = "Ask a persona something through the configured inference API (offline repertoire if none)."

    def add_arguments(self, parser):
        parser.add_argument("handle")
        parser.add_argument("text")

    def handle(self, *args, handle, text, **options):
        persona = Persona.objects.select_related("user__profile").filter(user__username=handle.lstrip("@").lower()).first()
        if persona is None:
            raise CommandError(f"No bot @{handle.lstrip('@')}; run manage.py seed_demo to create the demo bots.")
        if not settings.BOT_INFERENCE_URL:
            self.stdout.write("(offline mode: BOT_INFERENCE_URL is not set)")
            self.stdout.write(services.reply_offline(persona=persona, text=text, seed=text))
            return
        config = inference.InferenceConfig.from_settings()
        messages = [
            {"role": "system", "content": prompt.system_message(persona, room_id="shell", room_kind="dm")},
            {"role": "user", "content": text},
        ]
        started = time.monotonic()
        try:
            completion = inference.complete(config, messages)
        except inference.InferenceError as exc:
            raise CommandError(f"{config.style} call to {inference.endpoint(config)} failed: {exc}")
        self.stdout.write(f"raw ({services.elapsed_ms(started)} ms, {completion.prompt_tokens}+{completion.completion_tokens} tokens): {completion.text}")
        self.stdout.write(services.reply_from_completion(persona=persona, completion=completion, seed=text))
