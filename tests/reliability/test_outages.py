"""Items 2 and 3 on private instances (the shared Redis and PostgreSQL are
never touched): PostgreSQL restarted under an open room socket."""

import pytest

from conftest import Api, fake_ip, unique_name
from tests.live import LiveServer, server_env
from tests.reliability.faults import PrivatePostgres, figure, health, wait_until
from tests.wsclient import joined, run

pytestmark = pytest.mark.reliability

PASSWORD = "outage-pass-123456"


def register(server: LiveServer) -> Api:
    client = Api(server.url, ip=fake_ip())
    name = unique_name("pg")
    response = client.post("/api/auth/register", {"username": name, "password": PASSWORD, "displayName": name})
    assert response.status_code == 201, response.text
    client.token = response.json()["data"]["token"]
    return client


@pytest.fixture
def private_postgres(daphne_server):
    reason = PrivatePostgres.available()
    if reason:
        pytest.skip(reason)
    pg = PrivatePostgres().init()
    pg.migrate(server_env())
    yield pg
    pg.destroy()


@pytest.mark.timeout(240)
def test_postgres_restart(private_postgres):
    server = LiveServer("pg-restart", env={"DATABASE_URL": private_postgres.url}).start()
    try:
        writer, reader = register(server), register(server)
        room_id = unique_name("room")
        assert writer.post("/api/rooms", {"id": room_id, "name": room_id}).status_code == 201

        async def scenario():
            talker, _ = await joined(server.ws_url, room_id, writer.token)
            listener, _ = await joined(server.ws_url, room_id, reader.token)
            await talker.send({"type": "chat", "clientId": "before", "text": "before"})
            await talker.expect("ack", clientId="before")

            private_postgres.stop()
            down_health = health(server)
            await talker.send({"type": "chat", "clientId": "during", "text": "during"})
            during = await talker.expect_one_of(("ack", "error"), clientId="during", timeout=30)
            await talker.send({"type": "ping", "nonce": "p"})
            pong = await talker.expect("pong", timeout=10)

            private_postgres.start()
            recovered = wait_until(lambda: health(server) == 200, 30, 0.5)
            history = reader.get(f"/api/rooms/{room_id}/messages")
            await talker.send({"type": "chat", "clientId": "during", "text": "during"})
            resent = await talker.expect_one_of(("ack", "error"), clientId="during", timeout=30)
            heard = await listener.expect("chat", clientId="during", timeout=30)
            return down_health, during, pong, recovered, history, resent, heard

        down_health, during, pong, recovered, history, resent, heard = run(scenario())
        stored = [m["clientId"] for m in reader.get(f"/api/rooms/{room_id}/messages").json()["data"]["messages"]]
    finally:
        server.stop(kill=True)
    figure("postgres restart: health while down / after", f"{down_health} / {200 if recovered else 'no'}")
    figure("postgres restart: chat while down answered", f"{during['type']} {during.get('code')}")
    figure("postgres restart: reads recovered / resend acked / stored", f"{history.status_code} / {resent['type']} / {stored}")
    assert down_health == 503
    assert during["type"] == "error" and during["code"] == "UNAVAILABLE"
    assert pong["nonce"] == "p"
    assert recovered and history.status_code == 200
    assert resent["type"] == "ack" and heard["text"] == "during"
    assert stored == ["before", "during"]
