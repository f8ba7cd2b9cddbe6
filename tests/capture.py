"""What a service did, seen from the test process: the events it sent to the
channel layer, and the database statements it ran (on any thread, through
the ORM or chat's writer on psycopg)."""

import contextlib
from unittest import mock

import orjson
import psycopg
from django.db.backends.utils import CursorWrapper

from messenger.platform import fanout


class ChannelSends(list):
    """(group, event) pairs in the order sent; an event that carries a frame has it decoded as event["frame"]."""

    def frames(self, group: str) -> list[dict]:
        return [event["frame"] for sent_group, event in self if sent_group == group and "frame" in event]


@contextlib.contextmanager
def channel_sends():
    sent = ChannelSends()
    original = fanout.group_send

    async def recording(group: str, event: dict) -> None:
        decoded = {**event, "frame": orjson.loads(event["text"])} if "text" in event else event
        sent.append((group, decoded))
        await original(group, event)

    with mock.patch.object(fanout, "group_send", recording):
        yield sent


@contextlib.contextmanager
def queries_counted():
    """The SQL statements run inside the block, on every thread."""
    statements: list[str] = []
    orm_execute = CursorWrapper._execute_with_wrappers
    loop_execute = psycopg.AsyncConnection.execute

    def counting_orm(self, sql, params, many, executor):
        statements.append(sql)
        return orm_execute(self, sql, params, many, executor)

    async def counting_loop(self, query, *args, **kwargs):
        statements.append(str(query))
        return await loop_execute(self, query, *args, **kwargs)

    with (
        mock.patch.object(CursorWrapper, "_execute_with_wrappers", counting_orm),
        mock.patch.object(psycopg.AsyncConnection, "execute", counting_loop),
    ):
        yield statements
