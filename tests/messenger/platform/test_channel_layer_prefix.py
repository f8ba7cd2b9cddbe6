"""Two deployments on one Redis, told apart by their REDIS_URL database
number, must not hear each other's rooms: Redis pub/sub channels ignore
database numbers, so the channel layer's default prefix carries it."""

import asyncio
import json
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from conftest import production_stack, unique_name
from tests.live import ROOT

pytestmark = pytest.mark.skipif(not production_stack() or settings.REDIS_SENTINEL,
                                reason="needs REDIS_URL (production stack)")


def layer_config(redis_url: str) -> dict:
    """The channel layer CONFIG messenger.settings builds for this REDIS_URL (same CACHE_KEY_PREFIX)."""
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.CHANNEL_LAYERS['default']['CONFIG']))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "messenger.settings", "SECRET_KEY": "x" * 50,
           "REDIS_URL": redis_url, "CACHE_KEY_PREFIX": "cfmprefixtest", "CHANNEL_LAYER_PREFIX": ""}
    env.pop("CHANNEL_LAYER_PREFIX")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def with_db(db: int) -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{db}"))


async def heard(listener_config: dict, sender_config: dict) -> bool:
    listener, sender = RedisPubSubChannelLayer(**listener_config), RedisPubSubChannelLayer(**sender_config)
    group = unique_name("room")
    try:
        channel = await listener.new_channel()
        await listener.group_add(group, channel)
        await asyncio.sleep(0.2)  # the SUBSCRIBE is in place
        await sender.group_send(group, {"type": "chat.message", "text": "hello"})
        try:
            await asyncio.wait_for(listener.receive(channel), timeout=1.5)
            return True
        except TimeoutError:
            return False
    finally:
        await listener.flush()
        await sender.flush()


def test_deployments_on_two_redis_databases_do_not_hear_each_other():
    first, second = layer_config(with_db(3)), layer_config(with_db(4))
    assert first["prefix"] != second["prefix"]
    assert asyncio.run(heard(first, layer_config(with_db(3))))  # same database: one deployment, it hears
    assert not asyncio.run(heard(first, second))
