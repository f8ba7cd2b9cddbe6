"""Per-request / per-socket context that log lines carry (never secrets)."""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
log_user: ContextVar[str] = ContextVar("log_user", default="")
log_room: ContextVar[str] = ContextVar("log_room", default="")
