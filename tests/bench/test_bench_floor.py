"""The daphne floor (B2, B2P) and the mandated stack's authenticated floor (B3)
in the harness's smallest mode: they speak B0's protocol (B3 after a
welcome), so (b), (e) and (f) run against them and the table carries the
floor's ratios. No timing is asserted."""

import json
import os
import subprocess
import sys
from pathlib import Path

from bench import report
from bench.servers import launch

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_against_the_floor_delivers_connects_and_reports_ratios(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--servers", "B0,B2,B2P,B3", "--scenarios", "b,e,f", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [result_file] = tmp_path.glob("*.json")
    document = json.loads(result_file.read_text())
    for server in ("B2", "B2P", "B3"):
        figures = document["results"][server]
        for room in ("small", "large"):
            fanout = figures["fanout"][room]
            assert fanout["sent"] > 0 and fanout["lost"] == 0 and fanout["duplicated"] == 0
            assert fanout["delivered"] == fanout["sent"] * fanout["members"]
        connect = figures["connects"]["connect"]
        assert connect["connected"] == document["sizes"]["connects"] and connect["server_cpu_ms_per_connect"] >= 0
        assert figures["join_storm"]["connect"]["connected"] == document["sizes"]["storm"]
    assert {"B2/B0", "B2P/B0", "B2P/B2", "B3/B0", "B3/B2P"} <= set(document["ratios"])
    assert "connects_per_s" in done.stdout.split("B2P/B2", 1)[1]


def test_the_floor_runs_cf_messengers_daphne_options_with_its_own_application():
    argv = launch._floor_argv("B2", 8123)
    assert argv[-1] == "bench.servers.b2:application"
    for option in ("--websocket-max-message-size", "--websocket_connect_timeout", "--ping-interval",
                   "--application-close-timeout", "--access-log"):
        assert option in argv
    assert "messenger.asgi:application" not in argv
    assert launch._floor_argv("B2P", 8123)[-1] == "bench.servers.b2p:application"


def test_floor_ratios_divide_like_figures_of_one_run():
    results = {
        "B0": {"connects": {"connect": {"per_s": 2000.0, "server_cpu_ms_per_connect": 0.2}}},
        "B2": {"connects": {"connect": {"per_s": 1000.0, "server_cpu_ms_per_connect": 0.4}}},
        "CFM": {"connects": {"connect": {"per_s": 250.0, "server_cpu_ms_per_connect": 4.0}}},
    }
    pairs = report.floor_ratios(results)
    assert set(pairs) == {"B2/B0", "CFM/B2"}
    assert pairs["B2/B0"]["connects_per_s"] == 0.5 and pairs["CFM/B2"]["cpu_per_connect"] == 10.0
    assert pairs["B2/B0"]["join_storm_s"] is None
    assert "CFM/B2" in report.floor_table(results)


def test_b3_welcomes_a_known_token_with_its_user_and_refuses_an_unknown_one():
    """B3 (bench/servers/b3/): the token from Redis, the user from PostgreSQL, then the welcome; no token, no room."""
    import asyncio

    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    from bench.loadgen import fake_ip

    server = launch.start("B3", cpus=",".join(map(str, sorted(os.sched_getaffinity(0)))))
    try:
        url = server.base_urls[0] + "/room/r1"

        async def talk():
            async with connect(url, additional_headers={"X-Forwarded-For": fake_ip(5)}) as known:
                welcome = json.loads(await known.recv())
                await known.send("P|1|2")
                echoed = await known.recv()
            # Closed before accept: daphne denies the handshake.
            try:
                async with connect(url, additional_headers={"X-Forwarded-For": fake_ip(launch.B3_USERS + 1)}):
                    refused = None
            except InvalidStatus as denied:
                refused = denied.response.status_code
            return welcome, echoed, refused

        welcome, echoed, refused = asyncio.run(talk())
    finally:
        server.stop()
    assert welcome == {"type": "welcome", "user": "b3_u5"}
    assert echoed == "P|1|2"
    assert refused == 403


def test_b3_ratios_sit_in_the_floor_table():
    results = {
        "B0": {"connects": {"connect": {"per_s": 2000.0, "server_cpu_ms_per_connect": 0.2}}},
        "B3": {"connects": {"connect": {"per_s": 800.0, "server_cpu_ms_per_connect": 1.0}}},
        "CFM": {"connects": {"connect": {"per_s": 250.0, "server_cpu_ms_per_connect": 4.0}}},
    }
    pairs = report.floor_ratios(results)
    assert pairs["B3/B0"]["cpu_per_connect"] == 5.0 and pairs["CFM/B3"]["cpu_per_connect"] == 4.0
    table = report.floor_table(results)
    assert "CFM/B3" in table and "B3 1.00" in table and "serves <= 1000/s; target (e) = 0.5x B0 = 1000/s" in table
