"""Security findings of issue 15, each reproduced against a live daphne."""

from tests.bots.conftest import (  # noqa: F401  (fixtures)
    bot_servers,
    fake_inference_session,
    inference_server,
    make_bot,
    scene,
)
from tests.presence.conftest import friends, person  # noqa: F401  (fixtures)
