"""The fast subset borrows the reliability suite's fixtures."""

from tests.reliability.conftest import room_of, servers, users_on  # noqa: F401
