"""Fixtures of the reliability suite: dedicated server processes, so that a
killed server or a log scan never touches the session's shared daphne."""

from pathlib import Path

import pytest

from conftest import Api, production_stack
from tests.live import LiveServer
from tests.wsclient import new_room


@pytest.fixture
def servers(daphne_server, request):
    """Two processes on the production stack (one on the embedded stack), chat limit raised:
    these tests are about faults, not the per-user limit."""
    env = {"CHAT_RATE_LIMIT": "100000", **getattr(request, "param", {})}
    count = 2 if production_stack() else 1
    started = [LiveServer(f"rel{n}", env=env).start() for n in range(count)]
    yield started
    for server in started:
        server.stop(kill=True)


@pytest.fixture
def users_on(make_user):
    """n signed-in Api clients, spread over the given servers."""

    def make(servers, n: int, prefix: str = "rel") -> list[Api]:
        clients = []
        for index in range(n):
            user = make_user(prefix)
            client = Api(servers[index % len(servers)].url)
            client.login(user.username)
            client.username = user.username
            client.login_again = lambda client=client, name=user.username: client.login(name)
            clients.append(client)
        return clients

    return make


@pytest.fixture
def room_of():
    return new_room


def pytest_collection_modifyitems(config, items):
    """The slow suite runs when asked for (`make reliability`, `-m reliability`, or its folder by
    path); a plain `make test` skips it and runs tests/reliability_fast instead."""
    here = Path(__file__).resolve().parent
    asked = "reliability" in (config.option.markexpr or "") or any(
        here == Path(arg.split("::")[0]).resolve() or here in Path(arg.split("::")[0]).resolve().parents
        for arg in config.args
    )
    if asked:
        return
    skip = pytest.mark.skip(reason="slow reliability suite: run `make reliability`")
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)
