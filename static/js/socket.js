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
    this.retryAfterMs = 0;
    ws.addEventListener("open", () => {
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
      if (frame.type === "error" && !frame.clientId && typeof frame.retryAfterMs === "number") {
        // The server is letting too many sockets in at once: its 4503 follows; come back after this.
        this.retryAfterMs = frame.retryAfterMs;
      } else if (frame.type !== "error") {
        // Admitted (welcome or roster): the next drop starts the backoff over. An open that the
        // server closes at once (busy, 4503) does not, so repeated refusals back off further.
        this.attempt = 0;
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
    const delay = this.floorMs(code) + backoffDelay(this.attempt);
    this.attempt += 1;
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // The least wait before reconnecting: longer for a flooding client; for a busy server (4503),
  // the wait it named (retryAfterMs, jittered by the server), to which the backoff adds its own jitter.
  floorMs(code) {
    if (code === CLOSE.FLOOD) return FLOOD_EXTRA_WAIT_MS;
    if (code === CLOSE.TRY_AGAIN) return this.retryAfterMs;
    return 0;
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
