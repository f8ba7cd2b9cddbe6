"""deploy/nginx.conf itself, run by nginx in front of two live server
processes configured as in production (TRUSTED_PROXIES, SECURE_PROXY_SSL):
TLS, WebSocket proxying, forwarded headers, the edge sign-in limit, reserved
paths, static files and no sticky sessions."""

import asyncio
import json
import ssl
import uuid

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from conftest import Api, production_stack
from tests import nginx
from tests.live import LiveServer
from tests.wsclient import new_room, run

# The test certificate is self-signed.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
PROXIED = {"SECURE_PROXY_SSL": "1", "TRUSTED_PROXIES": "127.0.0.1", "CHAT_RATE_LIMIT": "100000"}


@pytest.fixture(scope="module")
def front(daphne_server):
    why = nginx.unavailable()
    if why:
        pytest.skip(why)
    # Tokens are per process on the embedded stack: several processes behind one nginx need production mode.
    servers = [LiveServer(f"behind-nginx{n}", env=PROXIED).start() for n in range(2 if production_stack() else 1)]
    proxy = nginx.Nginx([f"127.0.0.1:{s.port}" for s in servers]).start()
    yield proxy, servers
    proxy.stop()
    for server in servers:
        server.stop()


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def health_lines(server) -> int:
    return server.log_text().count('"path": "/api/health"') + server.log_text().count('"path":"/api/health"')


def test_https_with_forwarded_proto_plain_http_redirected_and_no_sticky_sessions(front):
    proxy, servers = front
    direct = requests.get(servers[0].url + "/", allow_redirects=False, timeout=10)
    assert direct.status_code == 301, "the app should want HTTPS when reached directly"
    page = requests.get(proxy.url + "/", verify=False, allow_redirects=False, timeout=10)
    assert page.status_code == 200, "X-Forwarded-Proto: https from nginx was not believed"
    plain = requests.get(f"http://127.0.0.1:{proxy.http_port}/", allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"].startswith(f"https://127.0.0.1:{proxy.https_port}/")

    if len(servers) < 2:
        pytest.skip("spreading over processes needs the production stack (tokens are per process otherwise)")
    before = [health_lines(s) for s in servers]
    session = requests.Session()
    for _ in range(20):
        assert session.get(proxy.url + "/api/health", verify=False, timeout=10).status_code == 200
    after = [health_lines(s) for s in servers]
    served = [a - b for a, b in zip(after, before, strict=True)]
    assert all(count > 0 for count in served), f"one client's requests all went to one process: {served}"


def test_forged_forwarded_for_is_replaced_and_the_edge_limits_sign_in(front):
    proxy, _ = front
    statuses = []
    for attempt in range(24):
        # A new name each time: the per-username failure limit stays out of it.
        response = requests.post(
            proxy.url + "/api/auth/login", json={"username": f"ghost{uuid.uuid4().hex[:8]}", "password": "wrong-pw-1"},
            headers={"X-Forwarded-For": f"10.9.{attempt}.1"}, verify=False, timeout=30,
        )
        is_app = response.headers.get("Content-Type", "").startswith("application/json")
        statuses.append((response.status_code, "app" if is_app else "nginx"))
    # The app's exact limit (5 per 10 s per client IP; per process on the embedded stack) sees one
    # address whatever the client claimed: believed, 24 claimed addresses would never reach it...
    assert statuses[:5] == [(401, "app")] * 5, statuses
    assert (429, "app") in statuses, statuses
    # ...and nginx's own limit (a burst of 10 beyond 30/min) answers before the app once the burst is spent.
    assert statuses[-1] == (429, "nginx"), statuses


def test_websockets_through_nginx_over_wss_and_reserved_rooms_refused_at_the_edge(front, make_user):
    proxy, servers = front
    clients = []
    for n in range(2):
        user = make_user("wss")
        client = Api(servers[n % len(servers)].url)
        client.session.headers["X-Forwarded-Proto"] = "https"
        client.login(user.username)
        clients.append(client)
    room_id = new_room(clients[0])

    async def chat_through_nginx():
        sockets = []
        for client in clients:
            ws = await connect(f"{proxy.ws_url}/api/ws/room/{room_id}", ssl=tls_context(),
                               additional_headers={"Authorization": f"Bearer {client.token}"})
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "welcome"
            sockets.append(ws)
        client_id = uuid.uuid4().hex[:12]
        await sockets[0].send(json.dumps({"type": "chat", "clientId": client_id, "text": "via nginx"}))
        async with asyncio.timeout(10):
            while True:
                frame = json.loads(await sockets[1].recv())
                if frame["type"] == "chat" and frame["clientId"] == client_id:
                    break
        for ws in sockets:
            await ws.close()
        try:
            await connect(f"{proxy.ws_url}/api/ws/room/system_ops", ssl=tls_context(),
                          additional_headers={"Authorization": f"Bearer {clients[0].token}"})
        except InvalidStatus as refused:
            return frame, refused.response.status_code
        return frame, None

    frame, reserved_status = run(chat_through_nginx())
    assert frame["text"] == "via nginx"
    assert reserved_status == 403
    history = requests.get(proxy.url + "/api/rooms/admin_x/messages", verify=False, timeout=10,
                           headers={"Authorization": f"Bearer {clients[0].token}"})
    assert history.status_code == 403 and not history.headers["Content-Type"].startswith("application/json")


def test_static_files_come_from_nginx_not_the_app(front):
    proxy, _ = front
    (proxy.static_root / "marker.txt").write_text("served by nginx")
    (proxy.static_root / "marker.txt").chmod(0o644)
    found = requests.get(proxy.url + "/static/marker.txt", verify=False, timeout=10)
    assert found.status_code == 200 and found.text == "served by nginx"
    assert "max-age=604800" in found.headers["Cache-Control"]
    # The app would serve this one (static/js/); nginx does not ask it.
    assert requests.get(proxy.url + "/static/js/socket.js", verify=False, timeout=10).status_code == 404


def test_a_restarted_process_takes_websockets_again_at_once(front, make_user):
    """Once every process behind nginx has been restarted (refusing connections meanwhile: 502),
    new WebSockets are taken at once, several open side by side."""
    proxy, servers = front
    user = make_user("restart")
    client = Api(servers[0].url)
    client.session.headers["X-Forwarded-Proto"] = "https"
    client.login(user.username)
    room_id = new_room(client)
    for server in servers:
        server.stop()
    assert requests.get(proxy.url + "/api/health", verify=False, timeout=10).status_code == 502
    for server in servers:
        server.start()
    if not production_stack():
        client.login(user.username)

    async def open_sockets():
        opened = []
        for _ in range(6):
            ws = await connect(f"{proxy.ws_url}/api/ws/room/{room_id}", ssl=tls_context(),
                               additional_headers={"Authorization": f"Bearer {client.token}"})
            opened.append((ws, json.loads(await asyncio.wait_for(ws.recv(), 10))["type"]))
        # Open all at once: nginx counted the first one's success only when it ended.
        for ws, _ in opened:
            await ws.close()
        return [kind for _, kind in opened]

    assert run(open_sockets()) == ["welcome"] * 6
