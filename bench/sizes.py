"""Scenario sizes: the full run (the issue's numbers) and `--quick`."""

FULL = {
    "idle_sockets": 10_000,
    "idle_window_s": 10,
    "small_room": 100,
    "small_rate": 10,
    "large_room": 1_000,
    "large_rate": 5,
    "duration_s": 15,
    "ramp_room": 100,
    # Messages/s in a room of 100; 500 is 5 msg/s per sender, under the
    # contract's 60 frames per 10 s per socket.
    "ramp_rates": [2, 5, 10, 20, 40, 80, 120, 160, 240, 320, 400, 500],
    "ramp_step_s": 4,
    "p99_limit_ms": 100,
    "two_proc_rate": 10,
    "redis_rate": 5,
    "redis_window_s": 5,
    "connects": 1_000,
    "login_concurrency": 4,
    "storm": 1_000,
    "quiet_s": 1.0,
    "max_drain_s": 10,
    # (g) restart storm: sockets over users (each user's sockets in different rooms), one
    # room of them chatting at restart_rate through the restart; "back" within restart_back_s.
    "restart_sockets": 10_000,
    "restart_users": 2_000,
    "restart_room": 100,
    "restart_rate": 10,
    "restart_back_s": 10,
    "restart_wait_max_s": 240,
    "restart_tail_s": 3,
    # (h) rolling restart: the same sockets, users and chatting room over two processes, each
    # restarted in turn once the previous one's sockets are back. WS_DRAIN_S, WS_DRAIN_RATE and
    # WS_DRAIN_HOLD_BACKLOG for the processes (-1: the server's own defaults), so that runs can compare them.
    "rolling_drain_s": -1,
    "rolling_drain_rate": -1,
    "rolling_hold_backlog": -1,
    "rolling_wait_max_s": 300,
    "rolling_settle_s": 2,
}

QUICK = {
    **FULL,
    "idle_sockets": 40,
    "idle_window_s": 1,
    "small_room": 10,
    "large_room": 30,
    "duration_s": 2,
    "ramp_room": 10,
    "ramp_rates": [2, 10, 40],
    "ramp_step_s": 1.5,
    "redis_window_s": 2,
    "connects": 30,
    "login_concurrency": 2,
    "storm": 30,
    "quiet_s": 0.5,
    "max_drain_s": 3,
    "restart_sockets": 60,
    "restart_users": 20,
    "restart_room": 10,
    "restart_wait_max_s": 60,
    "restart_tail_s": 1,
    "rolling_wait_max_s": 60,
    "rolling_settle_s": 1,
}
