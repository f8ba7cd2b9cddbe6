"""CPU seconds and memory of a server process, read from /proc."""

import os
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcSample:
    cpu_s: float
    rss_kb: int
    peak_rss_kb: int


def sample(pid: int) -> ProcSample:
    with open(f"/proc/{pid}/stat") as f:
        # The command name (field 2) may hold spaces; fields after it are fixed.
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime
    rss = peak = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    return ProcSample(cpu, rss, peak)


def total(pids: list[int]) -> ProcSample:
    samples = [sample(pid) for pid in pids]
    return ProcSample(
        sum(s.cpu_s for s in samples), sum(s.rss_kb for s in samples), sum(s.peak_rss_kb for s in samples)
    )
