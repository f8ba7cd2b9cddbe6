"""From a send phase's raw records to the figures the report shows."""

from array import array

from .loadgen import BUSY_CPU_FRACTION, LATE_SEND_MS

CDF_POINTS = 200


def percentile(values, q: float) -> float:
    if not values:
        return 0.0
    ordered = values if isinstance(values, list) else sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def cdf(ordered: list[float]) -> list[float]:
    """Latencies at CDF_POINTS evenly spaced quantiles, for the plot."""
    if not ordered:
        return []
    return [ordered[min(len(ordered) - 1, int(i / CDF_POINTS * len(ordered)))] for i in range(CDF_POINTS + 1)]


def summarise(replies: list[dict], per_room: dict[str, int], server_cpu_s: float, loadgen_cpus: int) -> dict:
    sent = [item for reply in replies for item in reply["sent"]]
    expected = sum(per_room.get(room, 0) for _, room in sent)
    delivered: dict[str, list] = {}
    latencies = array("d")
    for reply in replies:
        latencies.extend(reply["latencies"])
        for msg_id, (count, worst) in reply["per_msg"].items():
            record = delivered.setdefault(msg_id, [0, 0.0])
            record[0] += count
            record[1] = max(record[1], worst)
    received = sum(count for count, _ in delivered.values())
    ordered = sorted(latencies)
    last_member = sorted(worst for _, worst in delivered.values())
    send_wall = max(r["send_wall_s"] for r in replies) or 1.0
    wall = max(r["wall_s"] for r in replies) or 1.0
    loadgen_busy = sum(r["cpu_s"] for r in replies) / (wall * loadgen_cpus)
    late = sum(r["late_sends"] for r in replies)
    max_late = max(r["max_lateness_ms"] for r in replies)
    return {
        "sent": len(sent),
        "expected": expected,
        "delivered": received,
        "lost": expected - received,
        "duplicated": sum(r["duplicates"] for r in replies),
        "errors": sum(r["errors"] for r in replies),
        "closed_sockets": sum(r["closed"] for r in replies),
        "silent_sockets": sum(r["silent"] for r in replies),
        "p50_ms": percentile(ordered, 50),
        "p99_ms": percentile(ordered, 99),
        "max_ms": ordered[-1] if ordered else 0.0,
        "last_member_p99_ms": percentile(last_member, 99),
        "deliveries_per_s": received / send_wall,
        "server_cpu_s": server_cpu_s,
        "server_cpu_us_per_delivery": server_cpu_s / received * 1e6 if received else None,
        "server_core_busy": server_cpu_s / wall,
        "loadgen_core_busy": loadgen_busy,
        "loadgen_bound": loadgen_busy >= BUSY_CPU_FRACTION or (late and max_late > LATE_SEND_MS),
        "cdf_ms": cdf(ordered),
    }
