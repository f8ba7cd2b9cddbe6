"""The terminal table, the targets of issue 8, the JSON file and the plot."""

import json
from pathlib import Path


def _get(results: dict, server: str, *path, default=None):
    node = results.get(server, {})
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def _fmt(value, spec: str = ".1f") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, spec)
    return str(value)


ROWS = [
    ("(a) idle sockets held", ("idle", "held"), "d"),
    ("(a) RSS per idle socket, KB", ("idle", "rss_per_socket_kb"), ".1f"),
    ("(a) CPU while idle, % of a core", ("idle", "idle_core_pct"), ".1f"),
    ("(a) longest GC pause ms", ("idle", "gc_pause_max_ms"), ".1f"),
    ("(a) longest GC pause, CPU ms", ("idle", "gc_pause_max_cpu_ms"), ".1f"),
    ("(b) small room p50 ms", ("fanout", "small", "p50_ms"), ".1f"),
    ("(b) small room p99 ms", ("fanout", "small", "p99_ms"), ".1f"),
    ("(b) small room max ms", ("fanout", "small", "max_ms"), ".1f"),
    ("(b) small room lost", ("fanout", "small", "lost"), "d"),
    ("(b) large room p50 ms", ("fanout", "large", "p50_ms"), ".1f"),
    ("(b) large room p99 ms", ("fanout", "large", "p99_ms"), ".1f"),
    ("(b) large room last-member p99 ms", ("fanout", "large", "last_member_p99_ms"), ".1f"),
    ("(b) large room lost", ("fanout", "large", "lost"), "d"),
    ("(b) large room silent sockets", ("fanout", "large", "silent_sockets"), "d"),
    ("(b) small room server µs/delivery", ("fanout", "small", "server_cpu_us_per_delivery"), ".0f"),
    ("(b) large room server µs/delivery", ("fanout", "large", "server_cpu_us_per_delivery"), ".0f"),
    ("(c) deliveries/s at p99 <= 100 ms", ("saturation", "max_deliveries_per_s"), ".0f"),
    ("(c) ... load generator bound", ("saturation", "loadgen_bound"), ""),
    ("(d) projected 2-process scaling", ("two_processes", "projected_scaling"), ".2f"),
    ("(e) connects/s", ("connects", "connect", "per_s"), ".0f"),
    ("(e) server CPU ms per connect", ("connects", "connect", "server_cpu_ms_per_connect"), ".2f"),
    ("(e) logins/s while chatting", ("connects", "logins", "per_s"), ".2f"),
    ("(e) room p99 ms quiet", ("connects", "logins", "quiet", "p99_ms"), ".1f"),
    ("(e) room p99 ms during logins", ("connects", "logins", "during_logins", "p99_ms"), ".1f"),
    ("(f) join storm joined", ("join_storm", "connect", "connected"), "d"),
    ("(f) join storm seconds", ("join_storm", "connect", "elapsed_s"), ".1f"),
    ("(f) server CPU ms per connect", ("join_storm", "connect", "server_cpu_ms_per_connect"), ".2f"),
    ("(f) then lost / silent sockets", None, ""),
    ("(g) restart storm sockets back", ("restart_storm", "back", "back"), "d"),
    ("(g) last back s after ready", ("restart_storm", "back_after_ready_s"), ".1f"),
    ("(g) last back s after SIGTERM", ("restart_storm", "back_after_term_s"), ".1f"),
    ("(g) chat lost / unacked", "restart_lost", ""),
    ("(g) chat p99 ms quiet", ("restart_storm", "quiet_p99_ms"), ".1f"),
    ("(g) chat p99 ms through restart", ("restart_storm", "storm_p99_ms"), ".1f"),
    ("(g) chat p99 ms, sent while draining", ("restart_storm", "storm_draining_p99_ms"), ".1f"),
    ("(g) chat p99 ms, sent after ready", ("restart_storm", "storm_after_ready_p99_ms"), ".1f"),
    ("(g) longest GC pause ms", ("restart_storm", "gc_pause_max_ms"), ".1f"),
    ("(g) longest GC pause, CPU ms", ("restart_storm", "gc_pause_max_cpu_ms"), ".1f"),
    *[row for n in ("1", "2") for row in (
        (f"(h) restart {n}: sockets moved", ("rolling_restart", "restarts", n, "leaving"), "d"),
        (f"(h) restart {n}: half back s after SIGTERM", ("rolling_restart", "restarts", n, "half_back_s"), ".1f"),
        (f"(h) restart {n}: 90% back s after SIGTERM", ("rolling_restart", "restarts", n, "p90_back_s"), ".1f"),
        (f"(h) restart {n}: all back s after SIGTERM", ("rolling_restart", "restarts", n, "all_back_s"), ".1f"),
        (f"(h) restart {n}: longest socket downtime s", ("rolling_restart", "restarts", n, "downtime_max_s"), ".2f"),
        (f"(h) restart {n}: 4503 refusals", ("rolling_restart", "restarts", n, "refusals_4503"), "d"),
    )],
    ("(h) chat lost / unacked", "rolling_lost", ""),
    ("(h) chat p50 ms quiet", ("rolling_restart", "quiet_p50_ms"), ".1f"),
    ("(h) chat p99 ms quiet", ("rolling_restart", "quiet_p99_ms"), ".1f"),
    ("(h) chat p50 ms, restart 1", ("rolling_restart", "chat", "phases", "rolling_restart1", "p50_ms"), ".1f"),
    ("(h) chat p99 ms, restart 1", ("rolling_restart", "chat", "phases", "rolling_restart1", "p99_ms"), ".1f"),
    ("(h) chat p50 ms, restart 2", ("rolling_restart", "chat", "phases", "rolling_restart2", "p50_ms"), ".1f"),
    ("(h) chat p99 ms, restart 2", ("rolling_restart", "chat", "phases", "rolling_restart2", "p99_ms"), ".1f"),
]


def table(results: dict, servers: list[str]) -> str:
    width = max(len(label) for label, _, _ in ROWS) + 2
    lines = [f"{'':{width}}" + "".join(f"{s:>12}" for s in servers)]
    for label, path, spec in ROWS:
        cells = []
        for server in servers:
            if path is None:
                lost = _get(results, server, "join_storm", "broadcast", "lost")
                silent = _get(results, server, "join_storm", "broadcast", "silent_sockets")
                cells.append("-" if lost is None else f"{lost} / {silent}")
            elif path in ("restart_lost", "rolling_lost"):
                scenario = "restart_storm" if path == "restart_lost" else "rolling_restart"
                lost = _get(results, server, scenario, "chat", "lost")
                unacked = _get(results, server, scenario, "chat", "unacked")
                cells.append("-" if lost is None else f"{lost} / {unacked}")
            else:
                cells.append(_fmt(_get(results, server, *path), spec))
        if any(cell != "-" for cell in cells):
            lines.append(f"{label:{width}}" + "".join(f"{cell:>12}" for cell in cells))
    redis = {s: _get(results, s, "two_processes", "redis") for s in servers}
    for server, rooms in redis.items():
        if rooms:
            lines.append(f"(d) {server} Redis commands/message by room size: "
                         + ", ".join(f"{size}: {v['commands_per_message']:.1f}" for size, v in rooms.items()))
    return "\n".join(lines)


def _ratio(a, b):
    return a / b if a is not None and b else None


# The daphne floor (issue 17): what daphne costs against B0, and what CF Messenger costs on top of daphne.
# B3 (bench/servers/b3/): the mandated stack's authenticated connect; B3N/B3T/B3U: B3 without both reads / with
# the token read only / with the user read only, each against B0 (and B3N against B2P: Django and Channels' share).
FLOOR_PAIRS = (("B2", "B0"), ("B2P", "B0"), ("B2P", "B2"), ("CFM", "B2"), ("CFM", "B2P"),
               ("B3", "B0"), ("B3", "B2P"), ("CFM", "B3"), ("B3N", "B0"), ("B3N", "B2P"), ("B3T", "B0"),
               ("B3U", "B0"))
FLOOR_SERVERS = ("B0", "B2", "B2P", "B3N", "B3T", "B3U", "B3", "CFM")
FLOOR_FIGURES = {
    "connects_per_s": ("connects", "connect", "per_s"),
    "cpu_per_connect": ("connects", "connect", "server_cpu_ms_per_connect"),
    "join_storm_s": ("join_storm", "connect", "elapsed_s"),
    "join_storm_cpu_per_connect": ("join_storm", "connect", "server_cpu_ms_per_connect"),
    "cpu_per_delivery_small": ("fanout", "small", "server_cpu_us_per_delivery"),
    "cpu_per_delivery_large": ("fanout", "large", "server_cpu_us_per_delivery"),
    "idle_cpu": ("idle", "idle_core_pct"),
}


def floor_ratios(results: dict) -> dict:
    """Each pair of FLOOR_PAIRS present in the run: a/b of each figure both measured (None otherwise)."""
    out = {}
    for top, base in FLOOR_PAIRS:
        if top in results and base in results:
            out[f"{top}/{base}"] = {name: _ratio(_get(results, top, *path), _get(results, base, *path))
                                    for name, path in FLOOR_FIGURES.items()}
    return out


def floor_table(results: dict) -> str:
    """The floor's ratios as rows (empty when no B2 or B2P ran)."""
    pairs = floor_ratios(results)
    if not pairs:
        return ""
    names = [n for n in FLOOR_FIGURES if any(v[n] is not None for v in pairs.values())]
    width = max(len(n) for n in names) + 2
    lines = [f"{'ratio':{width}}" + "".join(f"{pair:>12}" for pair in pairs)]
    for name in names:
        lines.append(f"{name:{width}}" + "".join(f"{_fmt(v[name], '.2f'):>12}" for v in pairs.values()))
    cpu = {s: _get(results, s, "connects", "connect", "server_cpu_ms_per_connect") for s in FLOOR_SERVERS}
    cpu = {s: v for s, v in cpu.items() if v is not None}
    if cpu:
        lines.append("(e) server CPU ms per connect: " + ", ".join(f"{s} {v:.2f}" for s, v in cpu.items()))
    b0 = _get(results, "B0", "connects", "connect", "per_s")
    for server in ("B3", "B3N", "B3T", "B3U"):
        if cpu.get(server):
            # What one core could serve at that CPU cost, against target (e)'s half of B0's measured rate.
            line = f"(e) {server}: one core at {cpu[server]:.2f} ms per connect serves <= {1000 / cpu[server]:.0f}/s"
            lines.append(line + (f"; target (e) = 0.5x B0 = {b0 / 2:.0f}/s" if b0 else ""))
    return "\n".join(lines)


def ratios(results: dict) -> dict:
    """CFM against B1 and B0 on the headline figures (lower latency is better); the floor's pairs too."""
    out = {}
    for base in ("B1", "B0"):
        if base not in results or "CFM" not in results:
            continue
        out[f"CFM/{base}"] = {
            "small_room_p99": _ratio(_get(results, "CFM", "fanout", "small", "p99_ms"), _get(results, base, "fanout", "small", "p99_ms")),
            "large_room_p99": _ratio(_get(results, "CFM", "fanout", "large", "p99_ms"), _get(results, base, "fanout", "large", "p99_ms")),
            "max_deliveries_per_s": _ratio(_get(results, "CFM", "saturation", "max_deliveries_per_s"), _get(results, base, "saturation", "max_deliveries_per_s")),
            "rss_per_idle_socket": _ratio(_get(results, "CFM", "idle", "rss_per_socket_kb"), _get(results, base, "idle", "rss_per_socket_kb")),
            "connects_per_s": _ratio(_get(results, "CFM", "connects", "connect", "per_s"), _get(results, base, "connects", "connect", "per_s")),
        }
    for pair, figures in floor_ratios(results).items():
        out.setdefault(pair, figures)
    return out


def targets(results: dict, sizes: dict) -> list[dict]:
    """Issue 8's targets for CFM, each with the measured value and met or not."""
    if "CFM" not in results:
        return []
    cfm = lambda *p: _get(results, "CFM", *p)  # noqa: E731
    b0 = lambda *p: _get(results, "B0", *p)  # noqa: E731
    b1 = lambda *p: _get(results, "B1", *p)  # noqa: E731
    checks = []

    def check(name, value, met):
        checks.append({"target": name, "value": value, "met": bool(met) if met is not None else None})

    held = cfm("idle", "held")
    check(f"(a) idle sockets >= 10,000 (run: {sizes['idle_sockets']})", held, held is not None and held >= min(10_000, sizes["idle_sockets"]))
    rss, rss0 = cfm("idle", "rss_per_socket_kb"), b0("idle", "rss_per_socket_kb")
    check("(a) RSS per idle socket <= 2x B0", _ratio(rss, rss0), rss is not None and rss0 and rss <= 2 * rss0)
    idle, idle0 = cfm("idle", "idle_core_pct"), b0("idle", "idle_core_pct")
    check("(a) <= 5% of a core while idle", idle, idle is not None and idle <= 5)
    check("(a) idle CPU <= 2x B0 (issue 17)", _ratio(idle, idle0), idle is not None and idle0 and idle <= 2 * idle0)
    pause = cfm("idle", "gc_pause_max_ms")
    check("(a) longest GC pause <= 20 ms (issue 17)", pause, pause is not None and pause <= 20)
    for room in ("small", "large"):
        p99, p99_0 = cfm("fanout", room, "p99_ms"), b0("fanout", room, "p99_ms")
        lost, silent = cfm("fanout", room, "lost"), cfm("fanout", room, "silent_sockets")
        check(f"(b) {room} room p99 <= 2x B0, 0 lost, every socket served", _ratio(p99, p99_0),
              p99 is not None and p99_0 and p99 <= 2 * p99_0 and lost == 0 and silent == 0)
    top, top0, top1 = cfm("saturation", "max_deliveries_per_s"), b0("saturation", "max_deliveries_per_s"), b1("saturation", "max_deliveries_per_s")
    check("(c) deliveries/s >= 10x B1", _ratio(top, top1), top is not None and top1 and top >= 10 * top1)
    check("(c) deliveries/s >= 0.5x B0", _ratio(top, top0), top is not None and top0 and top >= 0.5 * top0)
    scaling = cfm("two_processes", "projected_scaling")
    check("(d) 2 processes >= 1.7x one", scaling, scaling is not None and scaling >= 1.7)
    redis = cfm("two_processes", "redis") or {}
    per = [v["commands_per_message"] for v in redis.values()]
    check("(d) Redis round trips per message constant in room size", per,
          len(per) == 2 and per[1] <= per[0] * 1.2 + 1)
    conn, conn0 = cfm("connects", "connect", "per_s"), b0("connects", "connect", "per_s")
    check("(e) authenticated connects/s >= 0.5x B0 plain", _ratio(conn, conn0), conn is not None and conn0 and conn >= 0.5 * conn0)
    quiet, busy = cfm("connects", "logins", "quiet", "p99_ms"), cfm("connects", "logins", "during_logins", "p99_ms")
    check("(e) room p99 during logins <= 2x quiet", _ratio(busy, quiet), quiet is not None and busy is not None and busy <= 2 * quiet)
    storm = cfm("restart_storm")
    if storm and "error" not in storm:
        after = storm.get("back_after_ready_s")
        check(f"(g) all {storm['sockets']} back and resumed within {sizes['restart_back_s']} s of the restart",
              after, storm["all_back"] and after is not None and after <= sizes["restart_back_s"])
        check("(g) 0 chat messages lost, none left unacknowledged", storm["lost"],
              storm["lost"] == 0 and storm["chat"]["unacked"] == 0)
        quiet_p99, storm_p99 = storm.get("quiet_p99_ms"), storm.get("storm_p99_ms")
        check("(g) chatting room p99 through the storm <= 2x quiet", _ratio(storm_p99, quiet_p99),
              quiet_p99 and storm_p99 is not None and storm_p99 <= 2 * quiet_p99)
    rolling = cfm("rolling_restart")
    if rolling and "error" not in rolling:
        # (g)'s targets as they apply to a rolling restart of two processes (h), for each restart.
        limit = sizes["restart_back_s"]
        check(f"(h) every socket of each restarted process back within {limit} s of its SIGTERM",
              rolling["all_back_s"], rolling["all_back"] and rolling["all_back_s"] <= limit)
        check(f"(h) every socket back within {limit} s of its own close", rolling["downtime_max_s"],
              rolling["all_back"] and rolling["downtime_max_s"] <= limit)
        check("(h) 0 chat messages lost, none left unacknowledged", rolling["lost"],
              rolling["lost"] == 0 and rolling["chat"]["unacked"] == 0)
        quiet_p99, worst = rolling.get("quiet_p99_ms"), rolling.get("restart_p99_ms")
        check("(h) chatting room p99 through each restart <= 2x quiet", _ratio(worst, quiet_p99),
              quiet_p99 and worst is not None and worst <= 2 * quiet_p99)
    return checks


def targets_text(checks: list[dict]) -> str:
    lines = []
    for item in checks:
        value = item["value"]
        if value is None or value == []:
            # Its scenario (or the baseline it is a ratio to) was not in this run.
            lines.append(f"  [not run] {item['target']}")
            continue
        shown = ", ".join(f"{v:.2f}" for v in value) if isinstance(value, list) else _fmt(value, ".2f")
        lines.append(f"  [{'met' if item['met'] else 'MISSED'}] {item['target']}: {shown}")
    return "\n".join(lines)


def write_json(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, default=str))


def plot(path: Path, results: dict, servers: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (cdf_ax, bar_ax, storm_ax, conn_ax) = plt.subplots(1, 4, figsize=(25, 5))
    for server in servers:
        for room, style in (("small", "-"), ("large", "--")):
            points = _get(results, server, "fanout", room, "cdf_ms")
            members = _get(results, server, "fanout", room, "members")
            if points:
                fractions = [i / (len(points) - 1) for i in range(len(points))]
                cdf_ax.plot(points, fractions, style, label=f"{server}, room of {members}")
    cdf_ax.set_xscale("log")
    cdf_ax.set_xlabel("delivery latency, ms (log)")
    cdf_ax.set_ylabel("fraction of deliveries")
    cdf_ax.set_title("(b) fan-out latency CDF")
    cdf_ax.grid(True, which="both", alpha=0.3)
    if cdf_ax.lines:
        cdf_ax.legend(fontsize=8)
    values = [_get(results, s, "saturation", "max_deliveries_per_s", default=0) or 0 for s in servers]
    colours = {"B0": "#888888", "B1": "#cc6644", "B2": "#66aa55", "B2P": "#99cc44", "B3": "#aa66cc", "B3N": "#ccaadd",
               "B3T": "#bb88dd", "B3U": "#9955bb", "CFM": "#3366cc"}
    bars = bar_ax.bar(servers, values, color=[colours.get(s, "#aaaaaa") for s in servers])
    for bar, server in zip(bars, servers, strict=True):
        bound = _get(results, server, "saturation", "loadgen_bound")
        bar_ax.annotate(f"{bar.get_height():.0f}" + ("\n(load gen. bound)" if bound else ""),
                        (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8)
    bar_ax.set_ylabel("deliveries/s")
    bar_ax.set_title("(c) deliveries/s per process at p99 <= 100 ms")
    for server in servers:
        curve = _get(results, server, "restart_storm", "back_curve_after_term_s")
        if curve:
            storm_ax.plot(curve, [i / (len(curve) - 1) for i in range(len(curve))], label=f"{server}: sockets back")
            ready = _get(results, server, "restart_storm", "restart", "ready_after_s")
            if ready is not None:
                storm_ax.axvline(ready, color="#999999", linestyle=":", label="new process ready")
    for server in servers:
        for n, style in (("1", "-."), ("2", "--")):
            curve = _get(results, server, "rolling_restart", "restarts", n, "back_curve_after_term_s")
            if curve:
                storm_ax.plot(curve, [i / (len(curve) - 1) for i in range(len(curve))], style,
                              label=f"{server} (h): process {n}'s sockets back")
    storm_ax.set_xlabel("seconds after SIGTERM")
    storm_ax.set_ylabel("fraction of sockets welcomed again")
    storm_ax.set_title("(g) restart storm, (h) rolling restart: clients back")
    storm_ax.grid(True, alpha=0.3)
    if storm_ax.lines:
        storm_ax.legend(fontsize=8)
    rates = [_get(results, s, "connects", "connect", "per_s", default=0) or 0 for s in servers]
    bars = conn_ax.bar(servers, rates, color=[colours.get(s, "#aaaaaa") for s in servers])
    for bar, server in zip(bars, servers, strict=True):
        cpu = _get(results, server, "connects", "connect", "server_cpu_ms_per_connect")
        if cpu is not None:
            conn_ax.annotate(f"{bar.get_height():.0f}/s\n{cpu:.2f} ms CPU each",
                             (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8)
    conn_ax.set_ylabel("connects/s")
    conn_ax.set_title("(e) room connects/s, server CPU per connect")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    if any(_get(results, server, "rolling_restart", "restarts") for server in servers):
        plot_rolling(path.with_name(path.stem + "-rolling.png"), results, servers)


def plot_rolling(path: Path, results: dict, servers: list[str]) -> None:
    """(h): each restarted process's sockets back after its SIGTERM, and the chatting room's latency
    per second of send time through both restarts against twice its quiet p99."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (back_ax, chat_ax) = plt.subplots(1, 2, figsize=(15, 5))
    for server in servers:
        rolling = _get(results, server, "rolling_restart") or {}
        for n, restart in (rolling.get("restarts") or {}).items():
            curve = restart["back_curve_after_term_s"]
            if curve:
                back_ax.plot(curve, [i / (len(curve) - 1) for i in range(len(curve))],
                             label=f"{server}: process {n}'s {restart['leaving']} sockets")
        series = _get(results, server, "rolling_restart", "chat", "phases", "rolling_series") or []
        if series:
            chat_ax.plot([p[0] for p in series], [max(p[1], 0.1) for p in series], label=f"{server}: p50 per second")
            chat_ax.plot([p[0] for p in series], [max(p[2], 0.1) for p in series], label=f"{server}: p99 per second")
            quiet = rolling.get("quiet_p99_ms")
            if quiet:
                chat_ax.axhline(2 * quiet, color="#cc3333", linestyle=":", label="2x quiet p99")
            for n, term in enumerate(rolling.get("terms_s") or [], start=1):
                chat_ax.axvline(term, color="#999999", linestyle="--")
                chat_ax.annotate(f"SIGTERM {n}", (term, 1), fontsize=8, rotation=90, va="bottom")
    back_ax.set_xlabel("seconds after the process's SIGTERM")
    back_ax.set_ylabel("fraction of its sockets welcomed again elsewhere")
    back_ax.set_title("(h) rolling restart: sockets back")
    back_ax.grid(True, alpha=0.3)
    chat_ax.set_yscale("log")
    chat_ax.set_xlabel("send time, s from the start of the rolling phase")
    chat_ax.set_ylabel("room of 100: delivery latency, ms (log)")
    chat_ax.set_title("(h) chatting room through both restarts")
    chat_ax.grid(True, which="both", alpha=0.3)
    for ax in (back_ax, chat_ax):
        if ax.lines:
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
