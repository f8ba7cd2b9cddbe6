"""Geometry of the dashboard's server-rendered SVG bar charts (the template draws them)."""

from dataclasses import dataclass
from datetime import datetime

WIDTH = 720
HEIGHT = 180
LEFT = 40
BOTTOM = 20
TOP = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    peak: int
    total: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: int = HEIGHT - BOTTOM
    ticks: tuple[tuple[float, str], ...] = ()


def bar_chart(title: str, points: list[tuple[datetime, int]]) -> BarChart:
    """One bar per (hour, value); the tallest bar fills the plot height."""
    peak = max((value for _, value in points), default=0)
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(points), 1)
    bars = []
    ticks = []
    every = max(1, len(points) // 8)
    for index, (hour, value) in enumerate(points):
        height = plot_h * value / peak if peak else 0
        x = LEFT + index * slot
        bars.append(Bar(round(x + 1, 1), round(HEIGHT - BOTTOM - height, 1), round(max(slot - 2, 1), 1), round(height, 1), f"{hour:%d %b %H:00} UTC", value))
        if index % every == 0:
            ticks.append((round(x + slot / 2, 1), f"{hour:%H:00}"))
    return BarChart(title=title, bars=bars, peak=peak, total=sum(v for _, v in points), ticks=tuple(ticks))
