"""Fan-out of one room message to N sockets in one process: channels-redis'
core layer against its pub/sub layer (docs/FANOUT.md).

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.fanout [--members 100 1000] [--messages 50]

Each "member" is a channel in the room's group, read the way a consumer reads
it. The table gives deliveries per second and Redis commands and bytes per
message (from INFO, so run it against an otherwise idle Redis).
"""

import argparse
import asyncio
import os
import time
import uuid

import orjson
import redis

GROUP = "room.bench"


def _layer(kind: str, url: str, prefix: str):
    if kind == "core":
        from channels_redis.core import RedisChannelLayer

        return RedisChannelLayer(hosts=[url], prefix=prefix, capacity=10_000, expiry=60)
    from channels_redis.pubsub import RedisPubSubChannelLayer

    return RedisPubSubChannelLayer(hosts=[url], prefix=prefix)


def _redis_counters(client: redis.Redis) -> tuple[int, int]:
    stats = client.info("stats")
    return stats["total_commands_processed"], stats["total_net_input_bytes"] + stats["total_net_output_bytes"]


async def measure(kind: str, url: str, members: int, messages: int) -> dict:
    layer = _layer(kind, url, f"bench{uuid.uuid4().hex[:6]}")
    channels = [await layer.new_channel() for _ in range(members)]
    for channel in channels:
        await layer.group_add(GROUP, channel)
    # The frame is serialised once, as messenger.platform.fanout.frame_event does.
    text = orjson.dumps({"type": "chat", "seq": 1, "text": "x" * 80}).decode()

    async def read_all(channel: str):
        for _ in range(messages):
            await layer.receive(channel)

    readers = [asyncio.create_task(read_all(channel)) for channel in channels]
    await asyncio.sleep(0.2)  # let every reader (and pub/sub subscription) settle
    client = redis.Redis.from_url(url)
    commands_before, bytes_before = _redis_counters(client)
    started = time.perf_counter()
    for seq in range(messages):
        await layer.group_send(GROUP, {"type": "frame.out", "text": text, "seq": seq})
    await asyncio.wait_for(asyncio.gather(*readers), timeout=300)
    elapsed = time.perf_counter() - started
    commands_after, bytes_after = _redis_counters(client)
    for channel in channels:
        await layer.group_discard(GROUP, channel)
    if hasattr(layer, "flush"):
        await layer.flush()
    return {
        "layer": kind,
        "members": members,
        "deliveries_per_s": members * messages / elapsed,
        # INFO itself counts as one command per sample.
        "commands_per_msg": (commands_after - commands_before - 1) / messages,
        "bytes_per_msg": (bytes_after - bytes_before) / messages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--messages", type=int, default=50)
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    print(f"{'layer':<8}{'members':>8}{'deliveries/s':>14}{'redis cmds/msg':>16}{'redis bytes/msg':>17}")
    for members in args.members:
        for kind in ("core", "pubsub"):
            row = asyncio.run(measure(kind, url, members, args.messages))
            print(
                f"{row['layer']:<8}{row['members']:>8}{row['deliveries_per_s']:>14.0f}"
                f"{row['commands_per_msg']:>16.1f}{row['bytes_per_msg']:>17.0f}"
            )


if __name__ == "__main__":
    main()
