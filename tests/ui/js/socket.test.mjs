// LiveSocket's reconnect rules against a scripted WebSocket (tests/ui/test_js_logic.py runs this).
import assert from "node:assert/strict";
import test from "node:test";

// What socket.js reaches for in a browser: the page's location, WebSocket and timers.
class FakeWebSocket extends EventTarget {
  static OPEN = 1;
  static made = [];
  constructor(url) {
    super();
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeWebSocket.made.push(this);
  }
  open() {
    this.readyState = FakeWebSocket.OPEN;
    this.dispatchEvent(new Event("open"));
  }
  frame(frame) {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(frame) }));
  }
  closeWith(code) {
    this.readyState = 3;
    const event = new Event("close");
    event.code = code;
    this.dispatchEvent(event);
  }
  send(text) {
    this.sent.push(text);
  }
}

globalThis.WebSocket = FakeWebSocket;
globalThis.location = { protocol: "http:", host: "chat.test" };
const timers = [];
globalThis.setTimeout = (fn, ms) => timers.push({ fn, ms }) && timers.length;
globalThis.clearTimeout = () => {};
globalThis.setInterval = () => 0;
globalThis.clearInterval = () => {};

const { LiveSocket } = await import("../../../static/js/socket.js");

function busyRefusal(ws, retryAfterMs) {
  ws.open();
  ws.frame({ type: "error", code: "UNAVAILABLE", message: "busy", retryAfterMs });
  ws.closeWith(4503);
}

test("a busy server's 4503 waits the retryAfterMs it named, and refusals in a row back off further", () => {
  timers.length = 0;
  FakeWebSocket.made.length = 0;
  const socket = new LiveSocket("/api/ws/room/lobby").start();
  busyRefusal(FakeWebSocket.made[0], 1500);
  assert.equal(timers.length, 1);
  const first = timers[0].ms;
  assert.ok(first >= 1500 + 250 && first <= 1500 + 500, `first wait ${first}`);
  timers[0].fn();
  busyRefusal(FakeWebSocket.made[1], 1500);
  const second = timers[1].ms;
  // The open before each refusal did not reset the backoff: the second wait's jitter range is higher.
  assert.ok(second >= 1500 + 500 && second <= 1500 + 1000, `second wait ${second}`);
  timers[1].fn();
  const admitted = FakeWebSocket.made[2];
  admitted.open();
  admitted.frame({ type: "welcome", room: {}, members: [], history: [], lastSeq: 0 });
  admitted.closeWith(1006);
  // Once admitted, a drop starts over: no floor, the first step of the backoff.
  assert.ok(timers[2].ms >= 250 && timers[2].ms <= 500, `after a welcome ${timers[2].ms}`);
  socket.stop();
});

test("a 4503 without a named wait (a dependency down) reconnects with the backoff alone", () => {
  timers.length = 0;
  FakeWebSocket.made.length = 0;
  const socket = new LiveSocket("/api/ws/presence").start();
  const ws = FakeWebSocket.made[0];
  ws.open();
  ws.frame({ type: "error", code: "UNAVAILABLE", message: "Redis is down" });
  ws.closeWith(4503);
  assert.ok(timers[0].ms >= 250 && timers[0].ms <= 500, `wait ${timers[0].ms}`);
  socket.stop();
});
