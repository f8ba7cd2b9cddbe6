// What a conversation window shows, in order: chat messages by seq, system
// lines (nudges, winks, joins) after the message they followed, and our own
// messages still waiting for the server at the end. The window renders from
// this; a message that arrives twice (live and again in a resume) is one entry.
import { sameGroup } from "./format.js";

function compare(a, b) {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

export class Timeline {
  constructor() {
    this.entries = [];
    this.keys = new Set();
    this.seqs = [];
    this.ordinal = 0;
  }

  // Inserts an entry; returns its index, or -1 when its key is already shown.
  insert(entry) {
    if (this.keys.has(entry.key)) return -1;
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(this.entries[mid].order, entry.order) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.entries.splice(lo, 0, entry);
    this.keys.add(entry.key);
    if (entry.kind === "chat") this.addSeq(entry.message.seq);
    return lo;
  }

  addChat(message, extra = {}) {
    return this.insert({ ...extra, key: `s${message.seq}`, kind: "chat", order: [message.seq, 0, 0], message });
  }

  addSystem(text, extra = {}) {
    this.ordinal += 1;
    return this.insert({ ...extra, key: `y${this.ordinal}`, kind: "system", order: [this.lastSeq, 1, this.ordinal], text });
  }

  addPending(message, extra = {}) {
    this.ordinal += 1;
    return this.insert({ ...extra, key: `c${message.clientId}`, kind: "pending", order: [Infinity, 2, this.ordinal], message });
  }

  // Removes an entry by key; returns the index it had, or -1.
  remove(key) {
    const index = this.entries.findIndex((entry) => entry.key === key);
    if (index < 0) return -1;
    const [entry] = this.entries.splice(index, 1);
    this.keys.delete(key);
    if (entry.kind === "chat") this.seqs.splice(this.seqs.indexOf(entry.message.seq), 1);
    return index;
  }

  get(key) {
    return this.entries.find((entry) => entry.key === key);
  }

  hasSeq(seq) {
    return this.keys.has(`s${seq}`);
  }

  // Whether the entry at index continues the sender group before it: a system
  // line ends a group, so the sender line comes back after a nudge or a wink.
  continues(index) {
    const entry = this.entries[index];
    const previous = this.entries[index - 1];
    if (!entry || !previous || entry.kind === "system" || previous.kind === "system") return false;
    return sameGroup(previous.message, entry.message);
  }

  addSeq(seq) {
    let lo = 0;
    while (lo < this.seqs.length && this.seqs[lo] < seq) lo += 1;
    this.seqs.splice(lo, 0, seq);
  }

  get lastSeq() {
    return this.seqs.length ? this.seqs[this.seqs.length - 1] : 0;
  }

  get firstSeq() {
    return this.seqs.length ? this.seqs[0] : 0;
  }
}
