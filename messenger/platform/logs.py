"""One JSON object per log line, with the request id, user and room."""

import logging

import orjson

from messenger.platform import log_context

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": int(record.created * 1000),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, var in (("requestId", log_context.request_id), ("user", log_context.log_user), ("room", log_context.log_room)):
            value = var.get()
            if value:
                line[key] = value
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """For a person at a terminal (the embedded default run by hand):
    `13:05:09 WARNING  Turnstile is off: … (user=alice room=lobby)`."""

    def format(self, record: logging.LogRecord) -> str:
        when = self.formatTime(record, "%H:%M:%S")
        extras = [f"{key}={var.get()}" for key, var in (("user", log_context.log_user), ("room", log_context.log_room)) if var.get()]
        extras += [
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        ]
        line = f"{when} {record.levelname:<8} {record.getMessage()}"
        if extras:
            line += f"  ({' '.join(extras)})"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line
