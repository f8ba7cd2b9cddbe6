// The web client's pure logic, run by Node's test runner (tests/ui/test_js_logic.py).
import assert from "node:assert/strict";
import test from "node:test";

import { backoffDelay } from "../../../static/js/lib/backoff.js";
import { ServerClock } from "../../../static/js/lib/clock.js";
import { parseEmoticons } from "../../../static/js/lib/emoticons.js";
import {
  DEFAULT_STYLE, dmPartnerName, dmRoomId, errorWords, firstWords, groupContacts, groupTitle, lastReceivedText, nameWithStatus,
  retryText, safeStyle, sameGroup, styleToSend, typingText,
} from "../../../static/js/lib/format.js";
import { Outbox, clientIdFactory } from "../../../static/js/lib/outbox.js";
import { Timeline } from "../../../static/js/lib/timeline.js";
import { UnreadBook } from "../../../static/js/lib/unread.js";

// localStorage's interface over a Map, shared by "tabs" like the real one.
class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  removeItem(key) {
    this.items.delete(key);
  }
}

test("backoff grows, is capped, and is jittered within [ceiling/2, ceiling]", () => {
  assert.equal(backoffDelay(0, { random: () => 0 }), 250);
  assert.equal(backoffDelay(0, { random: () => 1 }), 500);
  assert.equal(backoffDelay(3, { random: () => 1 }), 4000);
  assert.equal(backoffDelay(30, { random: () => 1 }), 15000);
  assert.equal(backoffDelay(30, { random: () => 0 }), 7500);
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
  assert.ok(spread.size > 10, "jitter spreads reconnects");
});

test("emoticons become segments; the rest stays text, HTML included", () => {
  assert.deepEqual(parseEmoticons("hi :) (coffee)").map((s) => s.type === "text" ? s.text : s.name), ["hi ", "smile", " ", "coffee"]);
  assert.deepEqual(parseEmoticons("</3 <3").map((s) => s.name || s.text), ["brokenheart", " ", "heart"]);
  assert.deepEqual(parseEmoticons(":D;):P(y)(n)").map((s) => s.name), ["grin", "wink", "tongue", "thumbsup", "thumbsdown"]);
  const hostile = "<img src=x onerror=alert(1)>";
  assert.deepEqual(parseEmoticons(hostile), [{ type: "text", text: hostile }]);
  assert.deepEqual(parseEmoticons(""), []);
});

test("the outbox keeps unacknowledged messages per account and room, across instances", () => {
  const storage = new MemoryStorage();
  const next = clientIdFactory("t");
  const first = { type: "chat", clientId: next(), text: "one" };
  const second = { type: "chat", clientId: next(), text: "two" };
  assert.notEqual(first.clientId, second.clientId);
  const tab = new Outbox(storage, "alice");
  tab.add("lobby", first);
  tab.add("lobby", second);
  tab.add("lobby", first);
  const reloaded = new Outbox(storage, "alice");
  assert.deepEqual(reloaded.list("lobby"), [second, first], "a re-added frame is kept once");
  assert.deepEqual(new Outbox(storage, "bob").list("lobby"), [], "another account sees none of it");
  assert.deepEqual(reloaded.settle("lobby", first.clientId), first);
  assert.equal(tab.settle("lobby", first.clientId), undefined);
  assert.ok(tab.has("lobby", second.clientId));
  assert.deepEqual(tab.rooms(), ["lobby"]);
  tab.settle("lobby", second.clientId);
  assert.deepEqual(tab.rooms(), []);
  assert.equal(storage.getItem("cfm:outbox:alice"), null, "an empty outbox leaves nothing behind");
  storage.setItem("cfm:outbox:alice", "not json");
  assert.deepEqual(tab.list("lobby"), [], "a damaged entry reads as empty");
});

test("the timeline orders messages by seq, keeps system lines after what they followed, pending last", () => {
  const alice = { id: "alice", name: "Alice" };
  const line = new Timeline();
  assert.equal(line.addChat({ seq: 5, sender: alice, ts: 0 }), 0);
  assert.equal(line.addPending({ clientId: "c1", sender: alice, ts: 1 }), 1);
  assert.equal(line.addChat({ seq: 7, sender: alice, ts: 2 }), 1);
  assert.equal(line.addChat({ seq: 7, sender: alice, ts: 2 }), -1, "a message arriving twice is shown once");
  assert.equal(line.addSystem("Alice has just sent you a nudge."), 2);
  assert.equal(line.addChat({ seq: 6, sender: alice, ts: 1 }), 1);
  assert.equal(line.addChat({ seq: 8, sender: alice, ts: 3 }), 4);
  assert.deepEqual(line.entries.map((e) => e.key), ["s5", "s6", "s7", "y2", "s8", "cc1"]);
  assert.equal(line.lastSeq, 8);
  assert.equal(line.firstSeq, 5);
  assert.ok(line.continues(1), "same sender within two minutes continues the group");
  assert.ok(!line.continues(3), "a system line has no sender line");
  assert.ok(!line.continues(4), "the sender line comes back after a system line");
  assert.equal(line.remove("s6"), 1);
  assert.ok(!line.hasSeq(6));
  assert.equal(line.remove("s6"), -1);
  assert.deepEqual(line.entries.map((e) => e.key), ["s5", "s7", "y2", "s8", "cc1"]);
});

test("unread: server snapshots, live arrivals and our own reads agree", () => {
  const book = new UnreadBook();
  assert.ok(book.serverSaid("dm", { count: 2, lastSeq: 4 }));
  assert.ok(book.arrived("dm", 5));
  assert.ok(!book.arrived("dm", 5), "the same message counts once");
  assert.ok(!book.serverSaid("dm", { count: 3, lastSeq: 5 }), "the server's entry for it changes nothing");
  assert.equal(book.count("dm"), 3);
  assert.ok(book.read("dm", 5));
  assert.equal(book.count("dm"), 0);
  assert.ok(!book.serverSaid("dm", { count: 3, lastSeq: 5 }), "a snapshot that crossed our read brings no badge back");
  assert.ok(!book.serverSaid("dm", { count: 1, lastSeq: 3 }), "an older snapshot is ignored");
  assert.ok(book.serverSaid("dm", { count: 1, lastSeq: 6 }));
  assert.ok(book.arrived("room", 9));
  assert.equal(book.total(), 2);
  book.clear();
  assert.equal(book.total(), 0);
});

test("server clock keeps the least uncertain sample", () => {
  const clock = new ServerClock();
  clock.sample(1000, 5100, 1200);
  assert.equal(clock.offsetMs, 4000);
  clock.sample(2000, 6050, 2100);
  assert.equal(clock.offsetMs, 4000);
  clock.sample(3000, 6500, 3400);
  assert.equal(clock.offsetMs, 4000, "a slower round trip is ignored");
  assert.equal(clock.toLocal(10_000), 6000);
});

test("presentation rules", () => {
  const alice = { id: "alice", name: "Alice" };
  assert.ok(sameGroup({ sender: alice, ts: 0 }, { sender: alice, ts: 60_000 }));
  assert.ok(!sameGroup({ sender: alice, ts: 0 }, { sender: alice, ts: 180_000 }));
  assert.ok(!sameGroup({ sender: { id: "bob" }, ts: 0 }, { sender: alice, ts: 1 }));
  assert.equal(typingText([]), "");
  assert.equal(typingText(["Alice"]), "Alice is typing a message.");
  assert.equal(typingText(["A", "B"]), "A and B are typing a message.");
  assert.equal(typingText(["A", "B", "C"]), "Several people are typing a message.");
  // Local time, as MSN's status bar showed it.
  assert.equal(lastReceivedText(new Date(2026, 10, 30, 14, 5).getTime()), "Last message received at 14:05 on 30/11/2026");
  assert.equal(retryText(4000), "wait 4 seconds");
  assert.equal(retryText(200), "wait 1 second");
  assert.equal(dmRoomId("zoe", "alice"), "dm_alice____zoe");
  assert.equal(dmPartnerName("dm_alice____zoe", "zoe"), "alice");
  assert.equal(dmPartnerName("lobby", "zoe"), null);
  assert.equal(nameWithStatus({ name: "Bob", status: "lunch" }), "Bob (Out to Lunch)");
  assert.equal(nameWithStatus({ name: "Bob", status: "online" }), "Bob");
  assert.equal(nameWithStatus({ name: "Bob", status: "away", blocked: true }), "Bob (Blocked)");
  assert.equal(firstWords("Hi   Bob!\nHow are you?"), "Hi Bob! How are you?");
  assert.equal(firstWords("one two three four", 12), "one two…");
  // A name ending in "_" runs into the separator: read by my own name.
  assert.equal(dmPartnerName(dmRoomId("ab_", "cd"), "cd"), "ab_");
  assert.equal(dmPartnerName(dmRoomId("ab_", "cd"), "ab_"), "cd");
  assert.equal(dmPartnerName(dmRoomId("ab", "cd"), "zz"), null);
  const groups = groupContacts([
    { id: "b", name: "Bea", status: "busy" },
    { id: "a", name: "Al", status: "offline" },
    { id: "c", name: "Cy", status: "online" },
  ]);
  assert.deepEqual(groups.online.map((u) => u.id), ["b", "c"]);
  assert.deepEqual(groups.offline.map((u) => u.id), ["a"]);
});

test("message styles: only #RRGGBB colours are drawn, defaults are not sent", () => {
  assert.deepEqual(safeStyle({ color: "#FF0000", bold: true }), { color: "#ff0000", bold: true, italic: false });
  assert.deepEqual(safeStyle({ color: "red", italic: true }), { color: null, bold: false, italic: true });
  assert.equal(safeStyle({ color: "#ff0000; background: url(x)" }), null);
  assert.equal(safeStyle({ bold: "yes" }), null);
  assert.equal(safeStyle(null), null);
  assert.equal(safeStyle("#ff0000"), null);
  assert.equal(styleToSend(DEFAULT_STYLE), null);
  assert.deepEqual(styleToSend({ color: "#0000FF", bold: false, italic: false }), { color: "#0000ff", bold: false, italic: false });
  assert.deepEqual(styleToSend({ color: "#000000", bold: true, italic: false }), { color: "#000000", bold: true, italic: false });
});

test("group titles and server error words", () => {
  const people = [{ id: "alice", name: "Alice" }, { id: "bob", name: "Bob" }, { id: "carol", name: "Carol" }];
  assert.equal(groupTitle(people, "alice"), "Bob, Carol");
  assert.equal(groupTitle([people[0]], "alice"), "Nobody else");
  assert.equal(errorWords("username: carol cannot join this conversation."), "Carol cannot join this conversation.");
  assert.equal(errorWords("This conversation is full (20 people)."), "This conversation is full (20 people).");
});
