"""Scenarios (a)-(f) of issue 8 and (g), (h) of issue 17, run against one server kind.

Each scenario starts its own server (fresh memory figures), opens its own
sockets and returns a dict of figures; `Bench.progress` prints a line as it
goes.
"""

import contextlib
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from . import procstat, stats
from .loadgen import LoadGen, fake_ip
from .servers import launch
from .storm import StormLoadGen


def restart_rooms(sizes: dict) -> list[tuple[str, int]]:
    """(g)'s rooms: the chatting room first, then the rest of the sockets in rooms of up to 100."""
    chat, rest = sizes["restart_room"], sizes["restart_sockets"] - sizes["restart_room"]
    return [("restart_chat", chat)] + [(f"restart_{r}", min(100, rest - r * 100)) for r in range((rest + 99) // 100)]


class Bench:
    def __init__(self, kind: str, sizes: dict, *, server_cpus: str, loadgen_cpus: set[int], workers: int,
                 seed: dict | None, progress):
        self.kind = kind
        self.sizes = sizes
        self.server_cpus = server_cpus
        self.loadgen_cpus = loadgen_cpus
        self.workers = workers
        self.seed = seed
        self.progress = progress

    # --- helpers ------------------------------------------------------------

    def sockets(self, rooms: list[tuple[str, int]]) -> list[dict]:
        """Socket specs for rooms given as (room id, members); one account per socket."""
        specs, index = [], 0
        for room, members in rooms:
            for _ in range(members):
                spec = {"i": index, "room": room}
                if self.seed:
                    spec["token"] = self.seed["tokens"][index]
                specs.append(spec)
                index += 1
        return specs

    def loadgen(self, server, rooms: list[tuple[str, int]]) -> LoadGen:
        return LoadGen(self.kind, server.base_urls, self.sockets(rooms), workers=self.workers, cpus=self.loadgen_cpus)

    def phase(self, server, lg: LoadGen, rate: float, duration: float) -> dict:
        before = procstat.total(server.pids)
        replies = lg.send(rate, duration, quiet=self.sizes["quiet_s"], max_drain=self.sizes["max_drain_s"])
        after = procstat.total(server.pids)
        figures = stats.summarise(replies, lg.per_room, after.cpu_s - before.cpu_s, len(self.loadgen_cpus) or 1)
        figures["rate"] = rate
        figures["members"] = sum(lg.per_room.values())
        figures["server_peak_rss_kb"] = after.peak_rss_kb
        return figures

    def start(self, processes: int = 1):
        return launch.start(self.kind, cpus=self.server_cpus, processes=processes)

    def room_run(self, server, room: str, members: int, rate: float, duration: float) -> dict:
        lg = self.loadgen(server, [(room, members)])
        try:
            joined = lg.connect(concurrency=100)
            figures = self.phase(server, lg, rate, duration)
        finally:
            lg.close()
        figures["connect"] = joined
        return figures

    def timed_connect(self, server, lg: LoadGen, concurrency: int) -> dict:
        """lg.connect(), with the server's CPU seconds (/proc) over it per socket connected (issue 17's floor)."""
        before = procstat.total(server.pids)
        joined = lg.connect(concurrency=concurrency)
        cpu_s = procstat.total(server.pids).cpu_s - before.cpu_s
        joined["server_cpu_ms_per_connect"] = cpu_s * 1000 / max(joined["connected"], 1)
        return joined

    def _line(self, scenario: str, figures: dict) -> None:
        self.progress(f"{self.kind} {scenario}: p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
                      f"{figures['deliveries_per_s']:.0f} deliveries/s, lost {figures['lost']}, "
                      f"server core {figures['server_core_busy']:.0%}"
                      + (" (load generator bound)" if figures["loadgen_bound"] else ""))

    # --- (a) ------------------------------------------------------------------

    def idle(self) -> dict:
        n, window = self.sizes["idle_sockets"], self.sizes["idle_window_s"]
        rooms = [(f"idle_{r}", min(100, n - r * 100)) for r in range((n + 99) // 100)]
        server = self.start()
        try:
            time.sleep(0.5)
            base = procstat.total(server.pids)
            lg = self.loadgen(server, rooms)
            try:
                joined = lg.connect(concurrency=200)
                time.sleep(min(2.0, window))  # let join frames and handshakes settle
                loaded = procstat.total(server.pids)
                time.sleep(window)
                idle = procstat.total(server.pids)
                held = lg.open_count()
                gc_pause = server.gc_pause_max_ms()
                gc_cpu = server.gc_pause_max_ms("cfm_gc_pause_max_cpu_seconds")
            finally:
                lg.close()
        finally:
            server.stop()
        figures = {
            "target": n,
            "held": held,
            "connect": joined,
            "rss_base_kb": base.rss_kb,
            "rss_loaded_kb": loaded.rss_kb,
            "rss_per_socket_kb": (loaded.rss_kb - base.rss_kb) / max(joined["connected"], 1),
            "idle_core_pct": (idle.cpu_s - loaded.cpu_s) / window * 100,
            # Since the server started: the connects included (CF Messenger only, gc.callbacks).
            "gc_pause_max_ms": gc_pause,
            "gc_pause_max_cpu_ms": gc_cpu,
        }
        self.progress(f"{self.kind} (a) idle: held {held}/{n}, {figures['rss_per_socket_kb']:.1f} KB/socket, "
                      f"{figures['idle_core_pct']:.1f}% of a core idle"
                      + (f", longest GC pause {gc_pause:.1f} ms ({gc_cpu:.1f} ms CPU)" if gc_pause is not None else ""))
        return figures

    # --- (b) ------------------------------------------------------------------

    def fanout(self) -> dict:
        s = self.sizes
        server = self.start()
        try:
            small = self.room_run(server, "fan_small", s["small_room"], s["small_rate"], s["duration_s"])
            self._line(f"(b) room of {s['small_room']}", small)
            large = self.room_run(server, "fan_large", s["large_room"], s["large_rate"], s["duration_s"])
            self._line(f"(b) room of {s['large_room']}", large)
        finally:
            server.stop()
        return {"small": small, "large": large}

    # --- (c) ------------------------------------------------------------------

    def saturation(self) -> dict:
        s = self.sizes
        server = self.start()
        steps, best, stop_reason = [], None, "all rates passed"
        try:
            lg = self.loadgen(server, [("ramp", s["ramp_room"])])
            try:
                lg.connect(concurrency=100)
                for rate in s["ramp_rates"]:
                    figures = self.phase(server, lg, rate, s["ramp_step_s"])
                    figures.pop("cdf_ms")
                    steps.append(figures)
                    self._line(f"(c) {rate} msg/s", figures)
                    if figures["p99_ms"] > s["p99_limit_ms"] or figures["lost"] or figures["closed_sockets"]:
                        stop_reason = f"p99 over {s['p99_limit_ms']} ms or loss at {rate} msg/s"
                        break
                    best = figures
                    if figures["loadgen_bound"]:
                        stop_reason = f"load generator bound at {rate} msg/s"
                        break
            finally:
                lg.close()
        finally:
            server.stop()
        return {
            "max_deliveries_per_s": best["deliveries_per_s"] if best else 0.0,
            "at_rate": best["rate"] if best else None,
            "stop_reason": stop_reason,
            "loadgen_bound": bool(best and best["loadgen_bound"]),
            "steps": steps,
        }

    # --- (d) ------------------------------------------------------------------

    def two_processes(self) -> dict:
        s = self.sizes
        runs = {}
        for processes in (1, 2):
            server = self.start(processes)
            try:
                figures = self.room_run(server, f"two_{processes}", s["small_room"], s["two_proc_rate"], s["duration_s"])
                figures.pop("cdf_ms")
                runs[processes] = figures
                self._line(f"(d) {processes} process(es)", figures)
                if processes == 2:
                    runs["redis"] = {size: self.redis_per_message(server, size) for size in (s["small_room"], s["large_room"])}
            finally:
                server.stop()
        one, two = runs[1]["server_cpu_us_per_delivery"], runs[2]["server_cpu_us_per_delivery"]
        # Two processes pinned to the same core: their summed CPU per delivery
        # says what two cores would give, without taking the load generator's core.
        scaling = 2 * one / two if one and two else None
        self.progress(f"{self.kind} (d) projected 2-process scaling {scaling or 0:.2f}x; Redis commands/message "
                      + ", ".join(f"room {k}: {v['commands_per_message']:.1f}" for k, v in runs["redis"].items()))
        return {"one": runs[1], "two": runs[2], "projected_scaling": scaling, "redis": runs["redis"]}

    def redis_per_message(self, server, members: int) -> dict:
        lg = self.loadgen(server, [(f"redis_{members}", members)])
        try:
            lg.connect(concurrency=100)
            counter = RedisCommandCounter(launch.REDIS_DB)
            counter.start()
            replies = lg.send(self.sizes["redis_rate"], self.sizes["redis_window_s"], quiet=0.5, max_drain=5)
            commands = counter.stop()
        finally:
            lg.close()
        sent = sum(len(r["sent"]) for r in replies)
        return {"messages": sent, "commands": commands, "commands_per_message": commands / sent if sent else 0.0}

    # --- (e) ------------------------------------------------------------------

    def connects(self) -> dict:
        s = self.sizes
        n = s["connects"]
        rooms = [(f"conn_{r}", min(100, n - r * 100)) for r in range((n + 99) // 100)]
        server = self.start()
        try:
            lg = self.loadgen(server, rooms)
            try:
                joined = self.timed_connect(server, lg, concurrency=50)
            finally:
                lg.close()
            self.progress(f"{self.kind} (e) {joined['per_s']:.0f} connects/s ({joined['connected']}/{n}), "
                          f"{joined['server_cpu_ms_per_connect']:.2f} ms of server CPU per connect")
            figures = {"connect": joined}
            if self.seed:
                figures["logins"] = self.logins_during_chat(server)
        finally:
            server.stop()
        return figures

    def logins_during_chat(self, server) -> dict:
        s = self.sizes
        lg = self.loadgen(server, [("login_chat", s["small_room"])])
        try:
            lg.connect(concurrency=100)
            quiet = self.phase(server, lg, s["small_rate"], s["duration_s"])
            with LoginStorm(server.http_url, self.seed, s["login_concurrency"]) as storm:
                busy = self.phase(server, lg, s["small_rate"], s["duration_s"])
            logins = storm.figures()
        finally:
            lg.close()
        quiet.pop("cdf_ms")
        busy.pop("cdf_ms")
        self.progress(f"{self.kind} (e) {logins['per_s']:.2f} logins/s; room p99 {quiet['p99_ms']:.1f} ms quiet, "
                      f"{busy['p99_ms']:.1f} ms during logins")
        return {"quiet": quiet, "during_logins": busy, **logins}

    # --- (f) ------------------------------------------------------------------

    def join_storm(self) -> dict:
        s = self.sizes
        server = self.start()
        try:
            lg = self.loadgen(server, [("storm", s["storm"])])
            try:
                joined = self.timed_connect(server, lg, concurrency=s["storm"])
                after = self.phase(server, lg, 2, 2)
            finally:
                lg.close()
        finally:
            server.stop()
        after.pop("cdf_ms")
        self.progress(f"{self.kind} (f) {joined['connected']}/{s['storm']} joined in {joined['elapsed_s']:.1f} s; "
                      f"then lost {after['lost']}, {after['silent_sockets']} silent sockets")
        return {"connect": joined, "broadcast": after}


    # --- (g) ------------------------------------------------------------------

    def restart_storm(self) -> dict:
        """Sockets over fewer users, one room of them chatting; SIGTERM the server (it drains
        with 1012), start it again; every client comes back by itself (bench/storm.py)."""
        s = self.sizes
        users, rate = s["restart_users"], s["restart_rate"]
        specs, index = [], 0
        for room, members in restart_rooms(s):
            for _ in range(members):
                specs.append({"i": index, "room": room, "token": self.seed["tokens"][index % users]})
                index += 1
        server = self.start()
        try:
            lg = StormLoadGen(server.base_urls[0], specs, "restart_chat", cpus=self.loadgen_cpus)
            try:
                joined = lg.call("connect", concurrency=200)
                self.progress(f"{self.kind} (g) {joined['connected']}/{len(specs)} sockets of {users} users open "
                              f"in {joined['elapsed_s']:.1f} s; chatting quietly for {s['duration_s']} s")
                lg.call("chat_start", label="quiet", rate=rate)
                time.sleep(s["duration_s"])
                lg.call("chat_stop", max_drain=s["max_drain_s"])
                # CLOCK_MONOTONIC is the same in every process: the worker's mark and SIGTERM compare.
                marked = lg.call("mark_restart")["mark"]
                lg.call("chat_start", label="storm", rate=rate)
                moments = server.restart()
                self.progress(f"{self.kind} (g) restarted: drained and exited in {moments['exited'] - moments['term']:.1f} s, "
                              f"ready again {moments['ready'] - moments['term']:.1f} s after SIGTERM")
                back = lg.call("wait_back", timeout=s["restart_wait_max_s"])
                time.sleep(s["restart_tail_s"])
                lg.call("chat_stop", max_drain=s["max_drain_s"])
                chat = lg.call("figures", windows={
                    "draining": [moments["term"], moments["exited"]],
                    "after_ready": [moments["ready"], float("inf")],
                })
                gc_pause = server.gc_pause_max_ms()
                gc_cpu = server.gc_pause_max_ms("cfm_gc_pause_max_cpu_seconds")
            finally:
                lg.close()
        finally:
            server.stop()
        term_at = moments["term"] - marked
        ready_at = moments["ready"] - marked
        last_back = back["last_back_s"]
        quiet, storm = chat["phases"].get("quiet", {}), chat["phases"].get("storm", {})
        figures = {
            "sockets": len(specs),
            "users": users,
            "connect": joined,
            "restart": {"exited_after_s": moments["exited"] - moments["term"], "ready_after_s": ready_at - term_at},
            "back": back,
            "all_back": back["back"] == len(specs),
            # From the new process being ready to the last socket welcomed again (with since).
            "back_after_ready_s": last_back - ready_at if last_back is not None else None,
            # From SIGTERM: the longest any socket went without its room.
            "back_after_term_s": last_back - term_at if last_back is not None else None,
            "back_curve_after_term_s": [t - term_at for t in back["back_curve_s"]],
            "chat": chat,
            "lost": chat["lost"],
            "quiet_p99_ms": quiet.get("p99_ms"),
            "storm_p99_ms": storm.get("p99_ms"),
            "storm_draining_p99_ms": chat["phases"].get("storm_draining", {}).get("p99_ms"),
            "storm_after_ready_p99_ms": chat["phases"].get("storm_after_ready", {}).get("p99_ms"),
            "gc_pause_max_ms": gc_pause,
            "gc_pause_max_cpu_ms": gc_cpu,
        }
        self.progress(f"{self.kind} (g) {back['back']}/{len(specs)} back, the last "
                      f"{figures['back_after_ready_s'] or 0:.1f} s after the new process was ready "
                      f"({figures['back_after_term_s'] or 0:.1f} s after SIGTERM); lost {chat['lost']}, "
                      f"unacked {chat['unacked']}; room of {chat['members']} p99 {quiet.get('p99_ms', 0):.1f} ms quiet, "
                      f"{storm.get('p99_ms', 0):.1f} ms through the storm"
                      + (f"; longest GC pause {gc_pause:.1f} ms ({gc_cpu:.1f} ms CPU)" if gc_pause is not None else ""))
        return figures

    # --- (h) ------------------------------------------------------------------

    def rolling_restart(self) -> dict:
        """(g)'s sockets, users and chatting room over two processes, and the deploy of
        docs/DEPLOYMENT.md: SIGTERM process 1 (it drains with 1012), start it again, and once its
        sockets are all back elsewhere, process 2 the same way. The clients reach the processes
        through bench/storm.py's load-balancer rule (round robin; a refused connect moves on)."""
        s = self.sizes
        users = s["restart_users"]
        specs, index = [], 0
        for room, members in restart_rooms(s):
            for _ in range(members):
                specs.append({"i": index, "room": room, "token": self.seed["tokens"][index % users]})
                index += 1
        overrides = {name: str(s[key]) for name, key in (("WS_DRAIN_S", "rolling_drain_s"),
                                                          ("WS_DRAIN_RATE", "rolling_drain_rate"),
                                                          ("WS_DRAIN_HOLD_BACKLOG", "rolling_hold_backlog"))
                     if s[key] >= 0}
        with _cfm_env(overrides):
            server = self.start(processes=2)
            try:
                lg = StormLoadGen(server.base_urls, specs, "restart_chat", cpus=self.loadgen_cpus)
                try:
                    figures = self._rolling(server, lg, len(specs))
                finally:
                    lg.close()
            finally:
                server.stop()
        figures.update(sockets=len(specs), users=users, server_env=overrides,
                       pinning=f"both processes on core {self.server_cpus}, the load generator on "
                               f"{sorted(self.loadgen_cpus)}")
        return figures

    def _rolling(self, server, lg: StormLoadGen, sockets: int) -> dict:
        s = self.sizes
        joined = lg.call("connect", concurrency=200)
        placed = lg.call("mark_restart")
        self.progress(f"{self.kind} (h) {joined['connected']}/{sockets} sockets open in {joined['elapsed_s']:.1f} s, "
                      f"{placed['placement']} per process (chatting room {placed['chat_placement']}); "
                      f"chatting quietly for {s['duration_s']} s")
        lg.call("chat_start", label="quiet", rate=s["restart_rate"])
        time.sleep(s["duration_s"])
        lg.call("chat_stop", max_drain=s["max_drain_s"])
        lg.call("chat_start", label="rolling", rate=s["restart_rate"])
        rolling_from = time.monotonic()
        time.sleep(s["rolling_settle_s"])
        restarts, windows = [], {}
        for index in range(2):
            before = lg.call("wait_moved", server=index, timeout=0)
            marked = lg.call("mark_restart")
            survivor = [pid for i, pid in enumerate(server.pids) if i != index]
            cpu_before = procstat.total(survivor).cpu_s
            # A paced drain of 10,000 sockets takes minutes: wait as long as the processes may drain.
            moments = server.restart(index, exit_timeout=s["rolling_wait_max_s"])
            moved = lg.call("wait_moved", server=index, timeout=s["rolling_wait_max_s"])
            done = time.monotonic()
            survivor_cpu_s = procstat.total(survivor).cpu_s - cpu_before
            time.sleep(s["rolling_settle_s"])
            after = lg.call("mark_restart")
            term = moments["term"] - marked["mark"]
            curve = [t - term for t in moved["back_curve_s"]]
            refusals = moved["close_codes"].get("4503", 0) - before["close_codes"].get("4503", 0)
            restart = {
                "process": index + 1,
                "placement_before": marked["placement"],
                "chat_placement_before": marked["chat_placement"],
                "leaving": moved["leaving"],
                "back": moved["back"],
                "all_back": moved["back"] >= moved["leaving"],
                "exited_after_s": moments["exited"] - moments["term"],
                "ready_after_s": moments["ready"] - moments["term"],
                "half_back_s": curve[50] if curve else None,
                "p90_back_s": curve[90] if curve else None,
                "all_back_s": curve[100] if curve else None,
                "back_curve_after_term_s": curve,
                "downtime_p50_s": moved["downtime_p50_s"],
                "downtime_p99_s": moved["downtime_p99_s"],
                "downtime_max_s": moved["downtime_max_s"],
                "connect_attempts_max": moved["connect_attempts_max"],
                "refusals_4503": refusals,
                "failed_connects": sum(moved["connect_failures"].values()) - sum(before["connect_failures"].values()),
                "failovers": moved["failovers"] - before["failovers"],
                "placement_after": after["placement"],
                "chat_placement_after": after["chat_placement"],
                # The other process's CPU from SIGTERM until every socket was back (admissions and chat),
                # and the time that took: its core's share.
                "survivor_cpu_s": survivor_cpu_s,
                "survivor_core_busy": survivor_cpu_s / max(1e-9, done - moments["term"]),
            }
            restarts.append(restart)
            windows[f"restart{index + 1}"] = [moments["term"], done]
            windows[f"draining{index + 1}"] = [moments["term"], moments["exited"]]
            self.progress(
                f"{self.kind} (h) restart of process {index + 1}: {moved['back']}/{moved['leaving']} of its sockets "
                f"back; half / 90% / all {restart['half_back_s'] or 0:.1f} / {restart['p90_back_s'] or 0:.1f} / "
                f"{restart['all_back_s'] or 0:.1f} s after SIGTERM (drained in {restart['exited_after_s']:.1f} s, "
                f"ready {restart['ready_after_s']:.1f} s); downtime p50 {moved['downtime_p50_s'] or 0:.2f} s, "
                f"max {moved['downtime_max_s'] or 0:.2f} s; {refusals} refusals (4503); now {after['placement']}")
        time.sleep(s["restart_tail_s"])
        lg.call("chat_stop", max_drain=s["max_drain_s"])
        chat = lg.call("figures", label="rolling", windows=windows, series_from=rolling_from)
        phases = chat["phases"]
        quiet = phases.get("quiet", {})
        worst = max((phases.get(f"rolling_restart{i}", {}).get("p99_ms") or 0 for i in (1, 2)), default=0)
        figures = {
            "connect": joined,
            "restarts": {str(r["process"]): r for r in restarts},
            "all_back": all(r["all_back"] for r in restarts),
            "all_back_s": max((r["all_back_s"] or 0) for r in restarts),
            "downtime_max_s": max((r["downtime_max_s"] or 0) for r in restarts),
            "refusals_4503": sum(r["refusals_4503"] for r in restarts),
            "chat": chat,
            "lost": chat["lost"],
            "quiet_p50_ms": quiet.get("p50_ms"),
            "quiet_p99_ms": quiet.get("p99_ms"),
            "restart_p99_ms": worst,
            "rolling_from_s": rolling_from,
            "terms_s": [w[0] - rolling_from for w in (windows["restart1"], windows["restart2"])],
            "gc_pause_max_ms": server.gc_pause_max_ms(),
        }
        line = ", ".join(f"restart {i}: p50 {phases.get(f'rolling_restart{i}', {}).get('p50_ms', 0):.1f} / "
                         f"p99 {phases.get(f'rolling_restart{i}', {}).get('p99_ms', 0):.1f} ms" for i in (1, 2))
        self.progress(f"{self.kind} (h) chat lost {chat['lost']}, unacked {chat['unacked']}; room of "
                      f"{chat['members']} quiet p50 {quiet.get('p50_ms', 0):.1f} / p99 {quiet.get('p99_ms', 0):.1f} ms, "
                      + line)
        return figures


@contextlib.contextmanager
def _cfm_env(overrides: dict):
    """CF Messenger's environment with `overrides` while the block runs (its restarts included)."""
    saved = {name: launch._CFM_ENV.get(name) for name in overrides}
    launch._CFM_ENV.update(overrides)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                launch._CFM_ENV.pop(name, None)
            else:
                launch._CFM_ENV[name] = value


class RedisCommandCounter:
    """Counts commands on the benchmark's Redis db with MONITOR (Redis 7.0
    has no per-client command counter), so other users of Redis don't count."""

    def __init__(self, db: int):
        import redis

        self.client = redis.Redis.from_url(f"{launch.REDIS_HOST}/{db}", socket_timeout=None)
        self.monitor = self.client.monitor()
        self.db = db
        self.count = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.monitor.__enter__()
        self.thread.start()

    def _run(self):
        while self.running:
            command = self.monitor.next_command()
            # Commands a Lua script runs are not round trips of the server's.
            if self.running and command.get("db") == self.db and command.get("client_address") != "lua":
                self.count += 1

    def stop(self) -> int:
        count = self.count
        self.running = False
        # MONITOR blocks until the next command: send one so the thread wakes and ends.
        self.client.ping()
        self.thread.join(timeout=5)
        self.monitor.__exit__(None, None, None)
        return count


class LoginStorm:
    """Password logins back to back from a few threads, while chat runs."""

    def __init__(self, base_url: str, seed: dict, concurrency: int):
        self.url = base_url + "/api/auth/login"
        self.seed = seed
        self.concurrency = concurrency
        self.stopping = threading.Event()
        self.latencies: list[float] = []
        self.failures = 0
        self.pool = ThreadPoolExecutor(concurrency)

    def __enter__(self):
        self.started = time.monotonic()
        for _ in range(self.concurrency):
            self.pool.submit(self._loop)
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.pool.shutdown(wait=True)
        self.elapsed = time.monotonic() - self.started

    def _loop(self):
        session = requests.Session()
        while not self.stopping.is_set():
            name = random.choice(self.seed["usernames"])
            headers = {"X-Forwarded-For": fake_ip(random.randrange(1 << 24)), "X-Forwarded-Proto": "https"}
            began = time.monotonic()
            try:
                response = session.post(self.url, json={"username": name, "password": self.seed["password"]},
                                        headers=headers, timeout=30)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            if ok:
                self.latencies.append((time.monotonic() - began) * 1000)
            else:
                self.failures += 1

    def figures(self) -> dict:
        ordered = sorted(self.latencies)
        return {
            "logins": len(ordered),
            "failures": self.failures,
            "per_s": len(ordered) / self.elapsed if self.elapsed else 0.0,
            "login_p50_ms": stats.percentile(ordered, 50),
            "login_max_ms": ordered[-1] if ordered else 0.0,
        }
