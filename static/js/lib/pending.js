// Messages the user sent that the server has not acknowledged yet. They stay
// in order and are resent with the same clientId after a reconnect, so the
// server's idempotency turns a resend of a stored message into a plain ack.
export class PendingQueue {
  constructor() {
    this.frames = new Map();
  }

  add(frame) {
    this.frames.set(frame.clientId, frame);
  }

  // Returns the frame that was pending under this clientId, or undefined.
  settle(clientId) {
    const frame = this.frames.get(clientId);
    this.frames.delete(clientId);
    return frame;
  }

  has(clientId) {
    return this.frames.has(clientId);
  }

  toResend() {
    return [...this.frames.values()];
  }

  get size() {
    return this.frames.size;
  }
}

export function clientIdFactory(prefix) {
  let n = 0;
  return () => `${prefix}-${Date.now().toString(36)}-${(n += 1)}`;
}
