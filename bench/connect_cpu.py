"""One-off measurement (issue 17 item 1, round 2): server CPU per authenticated room connect.

    python -m bench.connect_cpu --trees before=/tmp/base,after=. --runs 3 [--connects 1000] [--profile DIR]

Seeds once (this tree's migrations), then for each run and each tree, in
turns (before, after, before, after, ...): a fresh CF Messenger server of that
tree on core 0, `connects` authenticated room connects (rooms of 100, 50 at a
time, bench's load generator: the same connects as scenario (e)), and the
server's CPU seconds (/proc) from the first connect until the join frames
stopped arriving, divided by the connects. With --profile, py-spy samples the
server (`--gil`, raw) during the connects of each run.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import redis

from . import procstat, sizes
from .scenarios import Bench
from .servers import launch


def _forget_rooms() -> None:
    """Membership a stopped server left in Redis (its sets outlive a run)."""
    client = redis.Redis.from_url(f"{launch.REDIS_HOST}/{launch.REDIS_DB}")
    for key in client.scan_iter(f"cfmbench{launch.REDIS_DB}:room:*"):
        client.delete(key)


def _user_sys_s(pid: int) -> tuple[float, float]:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def one_run(bench: Bench, tree: Path, n: int, profile: Path | None) -> dict:
    launch.ROOT = tree
    _forget_rooms()
    server = launch.start("CFM", cpus=bench.server_cpus)
    spy = None
    try:
        rooms = [(f"conn_{r}", min(100, n - r * 100)) for r in range((n + 99) // 100)]
        lg = bench.loadgen(server, rooms)
        try:
            time.sleep(0.5)
            if profile is not None:
                spy = subprocess.Popen(
                    [str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(server.pids[0]), "-r", "200",
                     "--gil", "-f", "raw", "-o", str(profile)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
                time.sleep(1.0)
            load = os.getloadavg()[0]
            before, user_sys = procstat.total(server.pids), _user_sys_s(server.pids[0])
            joined = lg.connect(concurrency=50)
            after, user_sys_after = procstat.total(server.pids), _user_sys_s(server.pids[0])
        finally:
            if spy is not None:
                spy.send_signal(2)
                spy.wait(timeout=30)
            lg.close()
    finally:
        server.stop()
    cpu = after.cpu_s - before.cpu_s
    done = max(joined["connected"], 1)
    return {"connected": joined["connected"], "cpu_ms_per_connect": cpu * 1000 / done,
            "sys_ms_per_connect": (user_sys_after[1] - user_sys[1]) * 1000 / done,
            "per_s": joined["per_s"], "settle_s": joined["settle_s"], "load": load, "failures": joined["failures"]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trees", required=True, help="name=path,name=path")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connects", type=int, default=1000)
    parser.add_argument("--profile", help="a folder for py-spy's raw profiles, one per run")
    args = parser.parse_args()
    trees = [(name, Path(path).resolve()) for name, _, path in (t.partition("=") for t in args.trees.split(","))]
    available = sorted(os.sched_getaffinity(0))
    server_cpus, loadgen_cpus = str(available[0]), set(available[1:]) or set(available)
    os.sched_setaffinity(0, loadgen_cpus)
    chosen = dict(sizes.FULL, connects=args.connects)
    n = args.connects
    seed = launch.prepare_cfm(users=n, rooms=[f"conn_{r}" for r in range((n + 99) // 100)])
    bench = Bench("CFM", chosen, server_cpus=server_cpus, loadgen_cpus=loadgen_cpus, workers=1, seed=seed,
                  progress=print)
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    results: dict[str, list[dict]] = {name: [] for name, _ in trees}
    for run in range(args.runs):
        for name, tree in trees:
            profile = Path(args.profile) / f"{name}-{run}.txt" if args.profile else None
            figures = one_run(bench, tree, n, profile)
            results[name].append(figures)
            print(f"run {run} {name}: {figures['cpu_ms_per_connect']:.2f} ms CPU/connect "
                  f"({figures['sys_ms_per_connect']:.2f} system), "
                  f"{figures['per_s']:.0f} connects/s, {figures['connected']}/{n}, settle {figures['settle_s']:.1f} s, "
                  f"load {figures['load']:.1f} {figures['failures'] or ''}", flush=True)
    for name, runs in results.items():
        cpu = sorted(r["cpu_ms_per_connect"] for r in runs)
        print(f"{name}: ms CPU/connect {', '.join(f'{c:.2f}' for c in cpu)} (median {cpu[len(cpu) // 2]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
