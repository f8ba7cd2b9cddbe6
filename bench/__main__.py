"""python -m bench [--quick] [--servers B0,B1,B2,B2P,B3,CFM] [--scenarios a,b,c,d,e,f,g,h]

Runs every scenario against every server in the same run, prints progress
and a table, and writes bench/results/<date>.json and <date>.png.
"""

import argparse
import datetime
import os
import platform
import resource
import sys
import time
from pathlib import Path

from . import report, sizes
from .scenarios import Bench, restart_rooms
from .servers import launch

SCENARIOS = {
    "a": "idle",
    "b": "fanout",
    "c": "saturation",
    "d": "two_processes",
    "e": "connects",
    "f": "join_storm",
    "g": "restart_storm",
    "h": "rolling_restart",
}
# B2, B2P: the daphne floor (bench/servers/b2.py); B3: the mandated stack's authenticated connect
# (bench/servers/b3/), B3T/B3U/B3N: B3 with the token read only / the user read only / neither.
SERVERS = ("B0", "B1", "B2", "B2P", "B3", "B3T", "B3U", "B3N", "CFM")
MULTI_PROCESS = {"d"}  # only B1 and CFM share state across processes (B0, B2, B3 keep rooms in process)
CFM_ONLY = {"g", "h"}  # resume with `since`, acks and sessions that survive a restart are CF Messenger's


def _rooms(s: dict) -> list[str]:
    idle = [f"idle_{r}" for r in range((s["idle_sockets"] + 99) // 100)]
    conn = [f"conn_{r}" for r in range((s["connects"] + 99) // 100)]
    fixed = ["fan_small", "fan_large", "ramp", "two_1", "two_2", f"redis_{s['small_room']}",
             f"redis_{s['large_room']}", "login_chat", "storm"]
    return idle + conn + fixed + [room for room, _ in restart_rooms(s)]


def _cpus() -> tuple[str, set[int]]:
    """Server on core 0, load generator on the others (taskset)."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return str(available[0]), set(available)
    return str(available[0]), set(available[1:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run of a few seconds per scenario")
    parser.add_argument("--servers", default="B0,B1,CFM")
    parser.add_argument("--scenarios", default="a,b,c,d,e,f,g,h")
    parser.add_argument("--clients", type=int, default=1, help="load generator processes")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--set", action="append", default=[], metavar="SIZE=N",
                        help="override one size of bench/sizes.py, e.g. --set large_room=300")
    args = parser.parse_args(argv)
    servers = [s.strip().upper() for s in args.servers.split(",") if s.strip()]
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in servers if s not in SERVERS] + [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown server or scenario: {', '.join(unknown)}")
    chosen = dict(sizes.QUICK if args.quick else sizes.FULL)
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in chosen or not value.replace(".", "", 1).isdigit():
            parser.error(f"--set {item}: expected one of {', '.join(k for k in chosen if k != 'ramp_rates')}=NUMBER")
        chosen[key] = float(value) if "." in value else int(value)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server_cpus, loadgen_cpus = _cpus()
    os.sched_setaffinity(0, loadgen_cpus)
    started = time.monotonic()

    def progress(line: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {line}", file=sys.stderr, flush=True)

    progress(f"server on core {server_cpus}, load generator on core(s) {sorted(loadgen_cpus)}; "
             f"{'quick' if args.quick else 'full'} run of {','.join(scenarios)} against {','.join(servers)}")
    seed = None
    if "CFM" in servers:
        users = max(chosen["idle_sockets"], chosen["large_room"], chosen["connects"], chosen["storm"],
                    chosen["restart_users"])
        progress(f"CFM: creating {launch.PG_DB}, migrating, seeding {users} users")
        seed = launch.prepare_cfm(users=users, rooms=_rooms(chosen))

    results: dict[str, dict] = {server: {} for server in servers}
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S") + ("-quick" if args.quick else "")
    out = Path(args.out)

    def save() -> dict:
        """Written after every scenario, so a long run interrupted keeps what it measured."""
        document = {
            "date": stamp,
            "quick": args.quick,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release(),
                        "server_cpus": server_cpus, "loadgen_cpus": sorted(loadgen_cpus), "clients": args.clients},
            "sizes": chosen,
            "results": results,
            "ratios": report.ratios(results),
            "targets": report.targets(results, chosen),
        }
        report.write_json(out / f"{stamp}.json", document)
        return document

    for scenario in scenarios:
        for server in servers:
            if scenario in MULTI_PROCESS and server not in ("B1", "CFM") or scenario in CFM_ONLY and server != "CFM":
                continue
            bench = Bench(server, chosen, server_cpus=server_cpus, loadgen_cpus=loadgen_cpus, workers=args.clients,
                          seed=seed if server == "CFM" else None, progress=progress)
            name = SCENARIOS[scenario]
            progress(f"{server} ({scenario}) {name} ...")
            try:
                results[server][name] = getattr(bench, name)()
            except Exception as exc:  # one failed scenario must not lose the others' figures
                progress(f"{server} ({scenario}) failed: {type(exc).__name__}: {exc}")
                results[server][name] = {"error": f"{type(exc).__name__}: {exc}"}
            save()

    document = save()
    checks = document["targets"]
    report.plot(out / f"{stamp}.png", results, servers)
    print(report.table(results, servers))
    if report.floor_table(results):
        print(report.floor_table(results))
    for pair, figures in document["ratios"].items():
        print(f"{pair}: " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items() if v is not None))
    if checks:
        print("targets (CFM):\n" + report.targets_text(checks))
    print(f"wrote {out / (stamp + '.json')} and {out / (stamp + '.png')}")
    failed = [s for s, r in results.items() for v in r.values() if isinstance(v, dict) and "error" in v]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
