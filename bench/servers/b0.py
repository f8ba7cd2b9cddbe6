"""B0: the Python limit. A raw `websockets` server (compression off) that
sends every text frame it receives on /room/<id> to every socket in that room.

    python -m bench.servers.b0 --port 8100
"""

import argparse
import asyncio
from collections import defaultdict

from websockets.asyncio.server import broadcast, serve

rooms: dict[str, set] = defaultdict(set)


async def room_socket(connection):
    room = rooms[connection.request.path]
    room.add(connection)
    try:
        async for message in connection:
            broadcast(room, message)
    finally:
        room.discard(connection)


async def main(host: str, port: int) -> None:
    async with serve(room_socket, host, port, compression=None, max_size=16 * 1024, backlog=4096):
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
