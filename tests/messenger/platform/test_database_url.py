"""DATABASE_URL in libpq's multi-host form (a primary and its standbys):
parsed into what Django and libpq take, and a real connection that skips a
dead first host."""

import subprocess

import psycopg
import pytest

from messenger.settings import database_from_url
from tests.live import free_port


def test_multi_host_url_keeps_every_host_port_and_option():
    parsed = database_from_url(
        "postgres://cfm:s%40cret@db1.internal:5432,db2.internal:5433/cfm?target_session_attrs=read-write"
    )
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert (parsed["HOST"], parsed["PORT"]) == ("db1.internal,db2.internal", "5432,5433")
    assert (parsed["USER"], parsed["PASSWORD"], parsed["NAME"]) == ("cfm", "s@cret", "cfm")
    assert parsed["OPTIONS"] == {"target_session_attrs": "read-write"}


def test_multi_host_url_without_ports_and_with_ipv6():
    assert database_from_url("postgres://u@h1,h2/db")["HOST"] == "h1,h2"
    assert database_from_url("postgres://u@h1,h2/db")["PORT"] == ""
    parsed = database_from_url("postgres://u@[::1]:5432,h2/db")
    assert (parsed["HOST"], parsed["PORT"]) == ("::1,h2", "5432,5432")


def test_single_host_url_is_dj_database_url_unchanged():
    parsed = database_from_url("postgres://u@h1:6543/db")
    assert (parsed["HOST"], parsed["PORT"], parsed["NAME"]) == ("h1", 6543, "db")


def test_libpq_skips_a_dead_first_host_and_lands_on_the_primary():
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode != 0:
        pytest.skip("no PostgreSQL answering on 127.0.0.1:5432")
    dead = free_port()
    parsed = database_from_url(
        f"postgres://postgres@127.0.0.1:{dead},127.0.0.1:5432/postgres?target_session_attrs=read-write"
    )
    with psycopg.connect(
        host=parsed["HOST"], port=parsed["PORT"], user=parsed["USER"], dbname=parsed["NAME"], connect_timeout=5,
        **parsed["OPTIONS"],
    ) as conn:
        assert conn.info.port == 5432
        assert conn.execute("select pg_is_in_recovery()").fetchone() == (False,)
