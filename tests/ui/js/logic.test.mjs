// The web client's pure logic, run by Node's test runner (tests/ui/test_js_logic.py).
import assert from "node:assert/strict";
import test from "node:test";

import { backoffDelay } from "../../../static/js/lib/backoff.js";
import { ServerClock } from "../../../static/js/lib/clock.js";
import { parseEmoticons } from "../../../static/js/lib/emoticons.js";
import { dmPartnerName, dmRoomId, groupContacts, retryText, sameGroup, typingText } from "../../../static/js/lib/format.js";
import { PendingQueue, clientIdFactory } from "../../../static/js/lib/pending.js";
import { SeqLog } from "../../../static/js/lib/seqlog.js";

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

test("pending messages settle by clientId and resend in order", () => {
  const queue = new PendingQueue();
  const next = clientIdFactory("t");
  const first = { type: "chat", clientId: next(), text: "one" };
  const second = { type: "chat", clientId: next(), text: "two" };
  assert.notEqual(first.clientId, second.clientId);
  queue.add(first);
  queue.add(second);
  assert.deepEqual(queue.toResend(), [first, second]);
  assert.equal(queue.settle(first.clientId), first);
  assert.equal(queue.settle(first.clientId), undefined);
  assert.deepEqual(queue.toResend(), [second]);
  assert.equal(queue.size, 1);
});

test("the seq log shows each message once, in order", () => {
  const log = new SeqLog();
  assert.equal(log.insert(5), 0);
  assert.equal(log.insert(7), 1);
  assert.equal(log.insert(6), 1);
  assert.equal(log.insert(6), -1);
  assert.equal(log.insert(1), 0);
  assert.deepEqual(log.seqs, [1, 5, 6, 7]);
  assert.equal(log.lastSeq, 7);
  assert.equal(log.firstSeq, 1);
  assert.equal(log.remove(5), 1);
  assert.ok(!log.has(5));
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
  assert.equal(typingText(["Alice"]), "Alice is typing…");
  assert.equal(typingText(["A", "B"]), "A and B are typing…");
  assert.equal(typingText(["A", "B", "C"]), "Several people are typing…");
  assert.equal(retryText(4000), "wait 4 seconds");
  assert.equal(retryText(200), "wait 1 second");
  assert.equal(dmRoomId("zoe", "alice"), "dm_alice____zoe");
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
