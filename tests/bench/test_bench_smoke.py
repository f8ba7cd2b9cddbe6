"""The benchmark harness in its smallest mode (against B0, and scenario (g)
against CF Messenger), so the harness keeps working between full runs
(make bench). No timing is asserted: speed belongs in `make bench`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_against_b0_measures_deliveries_and_writes_results(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--servers", "B0", "--scenarios", "a,b,e", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(b) small room p99 ms" in done.stdout
    assert "B0 (b) room of" in done.stderr  # progress lines while it runs
    [result_file] = tmp_path.glob("*.json")
    assert (tmp_path / result_file.name.replace(".json", ".png")).stat().st_size > 1000
    b0 = json.loads(result_file.read_text())["results"]["B0"]
    assert b0["idle"]["held"] == b0["idle"]["target"] > 0
    assert b0["idle"]["rss_per_socket_kb"] > 0
    for room in ("small", "large"):
        figures = b0["fanout"][room]
        assert figures["sent"] > 0
        assert figures["delivered"] == figures["expected"] == figures["sent"] * figures["members"]
        assert figures["lost"] == 0 and figures["duplicated"] == 0
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert b0["connects"]["connect"]["per_s"] > 0


def _services_up() -> bool:
    import psycopg
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=2).ping()
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
    except Exception:
        return False
    return True


def test_quick_restart_storm_brings_every_socket_back_and_loses_nothing(tmp_path):
    """(g): the CF Messenger server drained with 1012 and started again; every client comes back by
    itself with backoff and jitter, resumes with `since`, and every acknowledged message reaches every member."""
    if not _services_up():
        pytest.skip("the benchmark's CF Messenger needs Redis and PostgreSQL on 127.0.0.1")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--servers", "CFM", "--scenarios", "g", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "(g) restart storm sockets back" in done.stdout
    [result_file] = tmp_path.glob("*.json")
    assert (tmp_path / result_file.name.replace(".json", ".png")).stat().st_size > 1000
    storm = json.loads(result_file.read_text())["results"]["CFM"]["restart_storm"]
    back = storm["back"]
    assert back["back"] == back["sockets"] == storm["sockets"] > 0 and storm["all_back"]
    assert back["close_codes"].get("1012", 0) >= storm["sockets"]  # the drain closed each one
    assert back["final_closes"] == 0
    assert back["resumed_with_since"] == storm["chat"]["members"]
    chat = storm["chat"]
    assert chat["acked"] > 0 and chat["phases"]["quiet"]["deliveries"] > 0
    assert chat["lost"] == 0 and chat["unacked"] == 0
    assert storm["gc_pause_max_ms"] is not None
