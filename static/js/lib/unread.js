// What is unread, per room: the server's `unread` entries, the live messages
// this page saw, and what this page has read. A room read up to seq R has
// nothing unread up to R, whatever an older server snapshot says, so a
// snapshot that crosses our own `read` on the wire never brings a badge back.
export class UnreadBook {
  constructor() {
    this.rooms = new Map();
  }

  entry(roomId) {
    let entry = this.rooms.get(roomId);
    if (!entry) {
      entry = { count: 0, lastSeq: 0, readUpTo: 0 };
      this.rooms.set(roomId, entry);
    }
    return entry;
  }

  count(roomId) {
    const entry = this.rooms.get(roomId);
    return entry ? entry.count : 0;
  }

  // A server entry ({count, lastSeq}); the one with the higher lastSeq wins.
  // Returns true when the count changed.
  serverSaid(roomId, { count, lastSeq = 0 }) {
    const entry = this.entry(roomId);
    const before = entry.count;
    if (lastSeq < entry.lastSeq) return false;
    entry.lastSeq = lastSeq;
    entry.count = lastSeq <= entry.readUpTo ? 0 : Math.max(0, count);
    return entry.count !== before;
  }

  // A live message from someone else that was not read on arrival.
  arrived(roomId, seq) {
    const entry = this.entry(roomId);
    if (seq <= entry.lastSeq || seq <= entry.readUpTo) return false;
    entry.lastSeq = seq;
    entry.count += 1;
    return true;
  }

  read(roomId, seq) {
    const entry = this.entry(roomId);
    const before = entry.count;
    entry.readUpTo = Math.max(entry.readUpTo, seq);
    entry.lastSeq = Math.max(entry.lastSeq, seq);
    if (entry.lastSeq <= entry.readUpTo) entry.count = 0;
    return entry.count !== before;
  }

  total() {
    let sum = 0;
    this.rooms.forEach((entry) => (sum += entry.count));
    return sum;
  }

  clear() {
    this.rooms.clear();
  }
}
