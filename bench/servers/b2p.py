"""B2P: B2 (bench/servers/b2.py) with CF Messenger's library patches
installed (messenger/realtime/library_patches.py), and its fan-out written
the way chat's room hub writes it: one frame built per message, written
straight to each socket (`write_frame`). The patches read Django settings
(the outbound limit): launch.py starts it with CF Messenger's environment.
"""

from types import SimpleNamespace

from messenger.realtime import library_patches

from .b2 import room_application

library_patches.install()


async def broadcast_frames(room: set, text: str) -> None:
    frame = library_patches.text_frame(text)
    for send in list(room):
        # write_frame reads daphne's protocol from consumer.base_send, which is this `send`.
        await library_patches.write_frame(SimpleNamespace(base_send=send), text, frame)


application = room_application(broadcast_frames)
