"""Item 11, connection abuse: 2,000 idle sockets from one address, opened at
once over every process, plus 500 half-open handshakes. At the shipped cap
(1,000) exactly the cap is let in; with the cap raised to 2,000 the server
holds all of them and refuses beyond. Either way the half-open ones are
dropped by the handshake timeout, and 100 real users sign in and chat while
the abuser holds its sockets."""


import pytest
from django.conf import settings

from tests.reliability.checks import check_socket_cap

pytestmark = pytest.mark.reliability

# Sockets the abuser opens at a time: enough that both processes count the same address at once.


SHIPPED_CAP = settings.WS_MAX_SOCKETS_PER_IP


@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    ("servers", "cap", "attempts"),
    [
        # The shipped cap (1,000): the abuser's 2,000 idle sockets meet it.
        ({}, SHIPPED_CAP, 2 * SHIPPED_CAP),
        # A cap raised so that the server holds all 2,000 of them, and refuses beyond.
        ({"WS_MAX_SOCKETS_PER_IP": "2000"}, 2000, 2200),
    ],
    indirect=["servers"],
    ids=["shipped-cap", "2000-held"],
)
def test_connection_abuse(servers, make_user, room_of, cap, attempts):
    check_socket_cap(servers, make_user, room_of, cap=cap, attempts=attempts, users=100, half_open=500,
                     label=f"connection abuse (cap {cap})")
