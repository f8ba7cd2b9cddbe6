"""The bot personas for `manage.py seed_demo`: creates the missing ones only."""

from . import services
from .models import Persona
from .personas import PERSONAS


def seed_bots(stdout) -> None:
    # A persona that exists may have been edited in the admin: it is left alone.
    existing = set(Persona.objects.values_list("user__username", flat=True))
    for persona in PERSONAS:
        if persona["handle"] not in existing:
            services.persona_upsert(**persona)
    stdout.write(f"bots: {len(PERSONAS)} ({', '.join('@' + persona['handle'] for persona in PERSONAS)})")
