"""The benchmark harness in its smallest mode, against B0 only, so the
harness keeps working between full runs (make bench)."""

import json
import subprocess
import sys
from pathlib import Path

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
