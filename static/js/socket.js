// A WebSocket that comes back: reconnects with backoff and jitter, resumes
// with ?since= (asked of the owner at each connect), heartbeats every 30 s,
// and tells the owner why it stopped when the server refused it.
import { backoffDelay } from "./lib/backoff.js";
import { ServerClock } from "./lib/clock.js";
import { CLOSE, FINAL_CLOSES } from "./lib/codes.js";

const PING_EVERY_MS = 30_000;
// A flooding client waits longer before it is let back in.
const FLOOD_EXTRA_WAIT_MS = 5000;

export class LiveSocket extends EventTarget {
  constructor(path, { since = () => 0 } = {}) {
    super();
    this.path = path;
    this.since = since;
    this.attempt = 0;
    this.state = "idle";
    this.clock = new ServerClock();
    this.pings = new Map();
    this.nonce = 0;
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const since = this.since();
    return `${scheme}://${location.host}${this.path}${since ? `?since=${since}` : ""}`;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  connect() {
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.setState("open");
      this.ping();
      this.heartbeat = setInterval(() => this.ping(), PING_EVERY_MS);
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === "pong") this.pong(frame);
      this.dispatchEvent(new CustomEvent("frame", { detail: frame }));
    });
    ws.addEventListener("close", (event) => this.closed(ws, event.code));
  }

  closed(ws, code) {
    if (ws !== this.ws) return;
    clearInterval(this.heartbeat);
    this.pings.clear();
    if (this.stopped) return;
    if (FINAL_CLOSES.has(code)) {
      this.stopped = true;
      this.refused = true;
      this.setState("closed");
      this.dispatchEvent(new CustomEvent("refused", { detail: { code } }));
      return;
    }
    const floor = code === CLOSE.FLOOD ? FLOOD_EXTRA_WAIT_MS : 0;
    const delay = floor + backoffDelay(this.attempt);
    this.attempt += 1;
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // After a refusal that turned out to be passing (the session is fine after
  // all, or the server was only starting): try again, with backoff.
  resume() {
    if (!this.refused) return;
    this.refused = false;
    this.stopped = false;
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }

  send(frame) {
    if (this.state !== "open" || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  ping() {
    const nonce = `p${(this.nonce += 1)}`;
    this.pings.set(nonce, Date.now());
    this.send({ type: "ping", nonce });
  }

  pong(frame) {
    const sentAt = this.pings.get(frame.nonce);
    if (sentAt === undefined) return;
    this.pings.delete(frame.nonce);
    if (typeof frame.ts === "number") this.clock.sample(sentAt, frame.ts, Date.now());
  }

  stop() {
    this.stopped = true;
    this.refused = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    this.setState("closed");
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, "closed by user");
  }
}
