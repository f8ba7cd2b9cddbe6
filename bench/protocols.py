"""How the load generator speaks to each server: the URL of a room, the
handshake headers, how a benchmark message is wrapped, and when a socket
counts as joined.

Every benchmark message carries `P|<id>|<send time ns>` (id = worker.seq).
Deliveries are recognised by that marker with string search rather than a
JSON parse, so the load generator spends its core on receiving, not parsing.
"""

import json

MARK = "P|"


def payload(msg_id: str, sent_ns: int) -> str:
    return f"{MARK}{msg_id}|{sent_ns}"


def find_payload(frame: str) -> tuple[str, int] | None:
    start = frame.find(MARK)
    if start < 0:
        return None
    end = frame.find('"', start)
    body = frame[start + 2 : end if end >= 0 else len(frame)]
    msg_id, _, sent = body.partition("|")
    return msg_id, int(sent)


class B0:
    name = "B0"
    needs_welcome = False

    @staticmethod
    def path(room: str) -> str:
        return f"/room/{room}"

    @staticmethod
    def frame(text: str, client_id: str) -> str:
        return text


class B1:
    name = "B1"
    needs_welcome = False

    @staticmethod
    def path(room: str) -> str:
        return f"/ws/chat/{room}/"

    @staticmethod
    def frame(text: str, client_id: str) -> str:
        return json.dumps({"message": text})


class CFM:
    """The room socket of the wire contract (PROTOCOL.md 2.1-2.4)."""

    name = "CFM"
    needs_welcome = True

    @staticmethod
    def path(room: str) -> str:
        return f"/api/ws/room/{room}"

    @staticmethod
    def frame(text: str, client_id: str) -> str:
        return json.dumps({"type": "chat", "clientId": client_id, "text": text})


class B2(B0):
    """daphne under a bare ASGI callable speaking B0's protocol (bench/servers/b2.py)."""

    name = "B2"


class B2P(B0):
    name = "B2P"


class B3(B0):
    """The mandated stack's authenticated connect (bench/servers/b3/): B0's frames after a welcome."""

    name = "B3"
    needs_welcome = True


PROTOCOLS = {"B0": B0, "B1": B1, "B2": B2, "B2P": B2P, "CFM": CFM,
             "B3": B3, "B3T": B3, "B3U": B3, "B3N": B3}
