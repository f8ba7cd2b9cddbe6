"""A text progress bar for batch commands: redrawn in place on a terminal,
one line per update when the output is a file or pipe (logs stay readable)."""

import time


class ProgressBar:
    WIDTH = 30

    def __init__(self, stream, total: int, label: str, *, every_s: float = 1.0):
        self.stream = stream
        self.total = max(total, 0)
        self.label = label
        self.done = 0
        self.every_s = every_s
        self._last_draw = 0.0
        self._tty = getattr(getattr(stream, "_out", stream), "isatty", lambda: False)()

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self._tty or now - self._last_draw >= self.every_s:
            self._draw()
            self._last_draw = now

    def finish(self) -> None:
        self._draw()
        if self._tty:
            self.stream.write("")

    def _draw(self) -> None:
        share = self.done / self.total if self.total else 1.0
        filled = int(self.WIDTH * min(share, 1.0))
        line = f"{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total} ({share:.0%})"
        if self._tty:
            self.stream.write("\r" + line, ending="")
            self.stream.flush()
        else:
            self.stream.write(line)
