"""The bot personas for `manage.py seed_demo` (idempotent)."""

from . import services
from .personas import PERSONAS


def seed_bots(stdout) -> None:
    for persona in PERSONAS:
        services.persona_upsert(**persona)
    stdout.write(f"bots: {len(PERSONAS)} ({', '.join('@' + persona['handle'] for persona in PERSONAS)})")
