// Reconnect delays: exponential with "equal jitter", so a server restart does
// not get every client back in the same millisecond, yet no client waits long.
export function backoffDelay(attempt, { baseMs = 500, maxMs = 15000, random = Math.random } = {}) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
