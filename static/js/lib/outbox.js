// Messages sent but not yet acknowledged, per account and room, kept in the
// browser's storage: a dropped socket, a reload or a re-sign-in loses none of
// them. Each is sent again with its original clientId, which the server
// stores at most once. Storage is read on every call so that two tabs of one
// account see the same outbox.
export class Outbox {
  constructor(storage, userId) {
    this.storage = storage;
    this.key = `cfm:outbox:${userId}`;
  }

  all() {
    try {
      const value = JSON.parse(this.storage.getItem(this.key) || "{}");
      return value && typeof value === "object" && !Array.isArray(value) ? value : {};
    } catch {
      return {};
    }
  }

  save(all) {
    try {
      if (Object.keys(all).length) this.storage.setItem(this.key, JSON.stringify(all));
      else this.storage.removeItem(this.key);
    } catch {
      // Storage full or refused (private mode): the messages still wait in
      // memory for this page's life, which is all a browser without storage gets.
    }
  }

  add(roomId, frame) {
    const all = this.all();
    const frames = (all[roomId] || []).filter((queued) => queued.clientId !== frame.clientId);
    all[roomId] = [...frames, frame];
    this.save(all);
  }

  // Returns the frame that waited under this clientId, or undefined.
  settle(roomId, clientId) {
    const all = this.all();
    const frames = all[roomId] || [];
    const frame = frames.find((queued) => queued.clientId === clientId);
    if (!frame) return undefined;
    const rest = frames.filter((queued) => queued.clientId !== clientId);
    if (rest.length) all[roomId] = rest;
    else delete all[roomId];
    this.save(all);
    return frame;
  }

  has(roomId, clientId) {
    return this.list(roomId).some((frame) => frame.clientId === clientId);
  }

  list(roomId) {
    return this.all()[roomId] || [];
  }

  rooms() {
    return Object.keys(this.all());
  }
}

export function clientIdFactory(prefix) {
  let n = 0;
  return () => `${prefix}-${Date.now().toString(36)}-${(n += 1)}`;
}
