"""A ban from one process closes the user's sockets on every process (contract 1.4, 2.1)."""

import pytest

from conftest import production_stack
from tests.admin_session import AdminSession
from tests.wsclient import joined, new_room, run

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(not production_stack(), reason="needs Redis and PostgreSQL shared by two processes"),
]


def test_ban_on_one_process_closes_sockets_on_both(daphne_server, second_server, moderator, signed_in):
    user, client = signed_in("mpban")
    room_id = new_room(client)
    admin = AdminSession(second_server.url, moderator).login()

    async def scenario():
        on_main, _ = await joined(daphne_server.ws_url, room_id, client.token)
        on_second, _ = await joined(second_server.ws_url, room_id, client.token)
        admin.action("/admin/auth/user/", "ban", [user.pk])
        return await on_main.close_code(timeout=5), await on_second.close_code(timeout=5)

    assert run(scenario()) == (4403, 4403)
