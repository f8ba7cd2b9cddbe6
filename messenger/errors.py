"""Error codes of the wire contract (HTTP envelope and socket `error` frames)."""

INVALID_REQUEST = "INVALID_REQUEST"
INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
TURNSTILE_FAILED = "TURNSTILE_FAILED"
RATE_LIMITED = "RATE_LIMITED"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
CONFLICT = "CONFLICT"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
INTERNAL = "INTERNAL"
UNAVAILABLE = "UNAVAILABLE"

# Socket-only codes.
INVALID_MESSAGE = "INVALID_MESSAGE"
TOO_LONG = "TOO_LONG"
UNKNOWN_TYPE = "UNKNOWN_TYPE"
MUTED = "MUTED"
ROOM_LOCKED = "ROOM_LOCKED"
BOT_SLEEPING = "BOT_SLEEPING"
BOT_BUSY = "BOT_BUSY"

# WebSocket close codes (contract 2.1).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_IDLE = 4408
CLOSE_FLOOD = 4429
CLOSE_KICKED = 4000
CLOSE_TOO_BIG = 1009
# A dependency (Redis) is down: reconnect with backoff (the 503 of sockets; the WebSocket library lets
# applications close only with 1000 or 3000-4999, so not RFC 6455's 1013).
CLOSE_TRY_AGAIN = 4503
# RFC 6455's "service restart": the process is stopping; reconnect (with jitter) to another and resume with `since`.
CLOSE_SERVICE_RESTART = 1012


class Refused(Exception):
    """What a service raises when a rule refuses a request: the contract's
    error code, a message for the person, and the field at fault.

    Services never choose an HTTP status or a close code; the edges map the
    code: the API envelope with HTTP_STATUS (messenger/web/envelope.py), the
    sockets with an `error` frame, or CLOSE_CODE when the socket must close.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    @property
    def close_code(self) -> int:
        return CLOSE_CODE[self.code]


HTTP_STATUS = {
    INVALID_REQUEST: 400,
    INVALID_MESSAGE: 400,
    TOO_LONG: 400,
    UNKNOWN_TYPE: 400,
    INVALID_CREDENTIALS: 401,
    UNAUTHENTICATED: 401,
    FORBIDDEN: 403,
    TURNSTILE_FAILED: 403,
    MUTED: 403,
    ROOM_LOCKED: 403,
    NOT_FOUND: 404,
    METHOD_NOT_ALLOWED: 405,
    CONFLICT: 409,
    PAYLOAD_TOO_LARGE: 413,
    RATE_LIMITED: 429,
    INTERNAL: 500,
    UNAVAILABLE: 503,
    BOT_SLEEPING: 503,
    BOT_BUSY: 503,
}

# Refusals that end a socket (contract 2.1).
CLOSE_CODE = {
    UNAUTHENTICATED: CLOSE_UNAUTHENTICATED,
    FORBIDDEN: CLOSE_FORBIDDEN,
    NOT_FOUND: CLOSE_NOT_FOUND,
    RATE_LIMITED: CLOSE_FLOOD,
    UNAVAILABLE: CLOSE_TRY_AGAIN,
}
