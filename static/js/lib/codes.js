// The wire contract's error and close codes, mirroring messenger/errors.py
// (tests/ui/test_js_logic.py checks that the two lists agree).
export const ERROR = Object.freeze({
  INVALID_REQUEST: "INVALID_REQUEST",
  INVALID_CREDENTIALS: "INVALID_CREDENTIALS",
  TURNSTILE_FAILED: "TURNSTILE_FAILED",
  RATE_LIMITED: "RATE_LIMITED",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  INTERNAL: "INTERNAL",
  UNAVAILABLE: "UNAVAILABLE",
  INVALID_MESSAGE: "INVALID_MESSAGE",
  TOO_LONG: "TOO_LONG",
  UNKNOWN_TYPE: "UNKNOWN_TYPE",
  MUTED: "MUTED",
  ROOM_LOCKED: "ROOM_LOCKED",
  BOT_SLEEPING: "BOT_SLEEPING",
  BOT_BUSY: "BOT_BUSY",
});

// The page's own code for a fetch that never reached the server.
export const NETWORK = "NETWORK";

export const CLOSE = Object.freeze({
  UNAUTHENTICATED: 4401,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
  IDLE: 4408,
  FLOOD: 4429,
  KICKED: 4000,
  TOO_BIG: 1009,
  // The server process is restarting: reconnecting (with backoff's jitter) reaches another one.
  SERVICE_RESTART: 1012,
  TRY_AGAIN: 4503,
});

// Close codes after which connecting again cannot help.
export const FINAL_CLOSES = new Set([CLOSE.UNAUTHENTICATED, CLOSE.FORBIDDEN, CLOSE.NOT_FOUND, CLOSE.KICKED]);

// The contract's limit on a chat text, in characters after trimming.
export const MAX_CHAT_CHARS = 2048;
