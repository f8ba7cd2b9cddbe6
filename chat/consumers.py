"""The room socket, /api/ws/room/{roomId} (contract 2.1-2.5): an adapter that
calls chat.services, where every frame's rules live, and turns refusals into
error frames; the base class does auth, origins, size, flood and idle rules."""

from urllib.parse import parse_qs

import orjson
from django.conf import settings

from messenger import errors, hooks
from messenger.accounts.users import public_user
from messenger.platform import db_async
from messenger.realtime import library_patches
from messenger.realtime.frame_errors import error_frame
from messenger.realtime.socket import SocketConsumer

from . import ids, membership, room_hub, selectors, services
from .frames import ROOM_FRAMES
from .models import Room
from .wire import room_public


def _since(query_string: bytes) -> int | None:
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values or not values[0].isdigit():
        return None
    return int(values[0])


def _welcome_reads(
    room_id: str, last_seq: int, since: int | None, member_ids: set[int], user
) -> tuple[list[dict], bool, int, list[dict], set[str]]:
    """History, hasMore, lastSeq and members of the welcome, and who blocks
    the user, in one trip to a database thread. `last_seq` is a seq up to
    which every message is committed (room_hub.committed_seq), taken before
    the messages are read: the history plus what the room's orderer delivers
    after it has no gap."""
    if last_seq <= (since or 0):
        # Nothing to read (a new room, or a reconnect that missed nothing):
        # whatever is committed after last_seq reaches the socket through the room's group.
        history, has_more = [], False
    elif since is None:
        history, has_more = selectors.messages_before(room_id=room_id, before=None, limit=settings.HISTORY_ON_JOIN)
    else:
        history, has_more = selectors.messages_after(room_id=room_id, since=since, limit=settings.REPLAY_MAX)
    if history:
        last_seq = max(last_seq, history[-1]["seq"])
    return history, has_more, last_seq, selectors.members_public(member_ids, known=user), hooks.blockers_of_user(user.pk)


class RoomConsumer(SocketConsumer):
    kind = "room"
    frames = ROOM_FRAMES

    room = None
    _in_room = False
    # The room, or its refusal, read with the user (opening_reads); None: read in `opened`.
    _entered: "Room | services.RoomRefused | None" = None
    # Usernames of the users who block this one: shown offline to this socket.
    blockers: frozenset[str] = frozenset()

    def opening_reads(self, user) -> None:
        room_id = self._route_room()
        if ids.is_dm(room_id) or ids.is_group(room_id):
            # Checked in `opened`, once the user's group is subscribed: a block or a
            # removal from the conversation after the check reaches the socket.
            return
        # A public room is the same for everyone: nothing about the user to miss.
        try:
            self._entered = services.room_enter(user=user, room_id=room_id)
        except services.RoomRefused as refused:
            self._entered = refused

    async def opened(self):
        entered = self._entered
        if entered is None:
            try:
                entered = await db_async.run(services.room_enter, user=self.user, room_id=self._route_room())
            except services.RoomRefused as refused:
                entered = refused
        if isinstance(entered, services.RoomRefused):
            await self.close_with(entered.close_code, entered.message)
            return
        self.room = entered
        # Subscribe before reading history: nothing committed after the read is missed.
        await room_hub.attach(self.room.pk, self)
        self._in_room = True
        first_socket, member_ids = await membership.join(self.room.pk, self.user.pk, self.socket_id)
        history, has_more, last_seq, members, blockers = await db_async.run(
            _welcome_reads,
            self.room.pk,
            room_hub.committed_seq(self.room.pk),
            _since(self.scope.get("query_string", b"")),
            member_ids,
            self.user,
        )
        # Set before `ready` hands over the frames kept for this socket.
        self.blockers = frozenset(blockers)
        welcome = orjson.dumps(
            {
                "type": "welcome",
                "room": room_public(self.room),
                "you": public_user(self.user, to_self=True),
                "members": [
                    {**member, "status": "offline"} if member["id"] in self.blockers else member for member in members
                ],
                "history": history,
                "lastSeq": last_seq,
                "hasMore": has_more,
            }
        ).decode()
        if not self._closing:
            # Straight to the socket, as the room's frames are (the server's own path when it must).
            await library_patches.write_frame(self, welcome, library_patches.text_frame(welcome))
        await room_hub.ready(self.room.pk, self, last_seq, member_ids)
        if first_socket:
            await services.room_member_announce(
                room_id=self.room.pk, user=self.user, joined=True, skip_channel=self.socket_id
            )

    async def closed(self, code):
        if not self._in_room:
            return
        room_id = self.room.pk
        await services.typing_end(room_id=room_id, user=self.user)
        await room_hub.detach(room_id, self)
        if await membership.leave(room_id, self.user.pk, self.socket_id):
            await services.room_member_announce(room_id=room_id, user=self.user, joined=False)

    # --- frames out -----------------------------------------------------------

    async def room_blockers(self, event):
        """Someone blocked or unblocked this user (presence.services.contact_block)."""
        if event["blocked"]:
            self.blockers = self.blockers | {event["blocker"]}
        else:
            self.blockers = self.blockers - {event["blocker"]}

    async def room_kick(self, event):
        """A moderator kicked this user from a room (chat.moderation.user_kick)."""
        if self.room is not None and event.get("room") == self.room.pk:
            await self.close_with(event.get("code", errors.CLOSE_KICKED), "kicked")

    async def _refuse(self, refused: services.ChatRefused, client_id: str | None):
        """A frame that was valid but is not taken now: an error frame, not counted as invalid."""
        await self.send_frame(
            error_frame(refused.code, refused.message, clientId=client_id, retryAfterMs=refused.retry_after_ms)
        )

    # --- frames in ------------------------------------------------------------

    async def frame_chat(self, frame):
        try:
            result = await services.message_submit(
                room_id=self.room.pk,
                sender=self.user,
                text=frame.text,
                client_id=frame.clientId,
                style=frame.style.stored() if frame.style else "",
            )
        except services.ChatRefused as refused:
            await self._refuse(refused, frame.clientId)
            return
        await self.send_frame({"type": "ack", "clientId": frame.clientId, "seq": result.seq})
        for reply in result.replies:
            await self.send_frame(reply)

    async def frame_nudge(self, frame):
        try:
            await services.nudge_send(room_id=self.room.pk, user=self.user)
        except services.ChatRefused as refused:
            await self._refuse(refused, frame.clientId)

    async def frame_wink(self, frame):
        try:
            await services.wink_send(
                room_id=self.room.pk, user=self.user, wink_id=frame.winkId, lead_ms=settings.WINK_LEAD_MS
            )
        except services.ChatRefused as refused:
            await self._refuse(refused, frame.clientId)

    async def frame_typing(self, frame):
        try:
            await services.typing_submit(room_id=self.room.pk, user=self.user, typing=frame.typing)
        except services.ChatRefused as refused:
            await self._refuse(refused, None)

    async def frame_history(self, frame):
        messages, has_more = await db_async.run(
            selectors.messages_before, room_id=self.room.pk, before=frame.before, limit=frame.limit
        )
        await self.send_frame({"type": "history", "messages": messages, "hasMore": has_more})

    async def frame_read(self, frame):
        await services.read_marker_move(user=self.user, room_id=self.room.pk, seq=frame.seq)

    async def frame_ping(self, frame):
        await super().frame_ping(frame)
        if self._in_room:
            await membership.refresh(self.room.pk, self.user.pk, self.socket_id)
