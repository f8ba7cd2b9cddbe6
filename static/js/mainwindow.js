// The main window: who I am, my contacts live from the presence socket,
// public rooms and bots, and the "has just signed in" toasts.
import * as api from "./api.js";
import { $, clear, h } from "./dom.js";
import { STATUS_LABELS, dmPartnerName, groupContacts } from "./lib/format.js";
import { LiveSocket } from "./socket.js";
import { signInChime } from "./sound.js";

const TOAST_MS = 5000;

function statusIcon(status) {
  return h("span", { className: `status-dot status-dot--${status}`, role: "img", "aria-label": STATUS_LABELS[status] || status });
}

export class MainWindow {
  constructor(app) {
    this.app = app;
    this.el = document.getElementById("main-window");
    this.contacts = new Map();
    this.pending = new Map();
    this.unread = new Map();
    this.rosterLoaded = false;
  }

  start(me) {
    this.me = me;
    this.el.hidden = false;
    this.renderMe();
    this.wire();
    this.socket = new LiveSocket("/api/ws/presence");
    this.socket.addEventListener("frame", (event) => this.onFrame(event.detail));
    this.socket.addEventListener("state", (event) => {
      $("#main-conn").hidden = event.detail === "open";
      $("#main-conn").textContent = event.detail === "reconnecting" ? "Connection lost. Reconnecting…" : "Connecting…";
    });
    this.socket.addEventListener("refused", (event) => {
      if (event.detail.code === 4401) this.app.sessionExpired();
    });
    this.socket.start();
    this.loadContacts();
    this.loadRooms();
    this.loadBots();
  }

  stop() {
    if (this.socket) this.socket.stop();
    this.el.hidden = true;
    this.contacts.clear();
    this.pending.clear();
    this.unread.clear();
    this.rosterLoaded = false;
    ["#contacts-online", "#contacts-offline", "#contacts-pending", "#rooms-list", "#bots-list"].forEach((id) => clear($(id)));
  }

  wire() {
    if (this.wired) return;
    this.wired = true;
    $("#me-status").addEventListener("change", () => this.sendPresence());
    const message = $("#me-pm");
    message.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        message.blur();
      } else if (event.key === "Escape") {
        message.value = this.me.personalMessage || "";
        message.blur();
      }
    });
    message.addEventListener("change", () => this.sendPresence());
    $("#add-contact").addEventListener("submit", (event) => {
      event.preventDefault();
      this.addContact($("#add-contact-name").value.trim().toLowerCase());
    });
    $("#sign-out").addEventListener("click", () => this.app.signOut());
  }

  renderMe() {
    $("#me-avatar").src = this.me.avatar || "/static/img/buddy.svg";
    $("#me-name").textContent = this.me.name;
    $("#me-status").value = this.me.status === "offline" ? "invisible" : this.me.status;
    $("#me-pm").value = this.me.personalMessage || "";
  }

  sendPresence() {
    const status = $("#me-status").value;
    const personalMessage = $("#me-pm").value.trim();
    this.me = { ...this.me, status, personalMessage };
    if (!this.socket.send({ type: "presence", status, personalMessage })) {
      this.notice("Not connected: your status will be sent when the connection is back.");
      this.socket.addEventListener("state", (event) => event.detail === "open" && this.sendPresence(), { once: true });
    }
  }

  onFrame(frame) {
    if (frame.type === "roster") {
      this.contacts = new Map((frame.users || []).map((user) => [user.id, user]));
      this.rosterLoaded = true;
      this.renderContacts();
    } else if (frame.type === "presence" && frame.user) {
      this.onPresence(frame.user);
    } else if (frame.type === "unread") {
      (frame.rooms || []).forEach((room) => this.onUnread(room));
    } else if (frame.type === "contactAdded" && frame.user) {
      if (!this.contacts.has(frame.user.id)) this.pending.set(frame.user.id, frame.user);
      this.renderPending();
      this.toast(`${frame.user.name} has added you to their contact list.`);
    } else if (frame.type === "error") {
      this.notice(frame.message || frame.code);
    }
  }

  onPresence(user) {
    if (user.id === this.me.id) {
      this.me = { ...this.me, ...user };
      return;
    }
    const before = this.contacts.get(user.id);
    if (!before && !this.rosterLoaded) return;
    this.contacts.set(user.id, user);
    this.renderContacts();
    if (before && before.status === "offline" && user.status !== "offline") {
      this.toast(`${user.name} has just signed in.`, user);
      signInChime();
    }
  }

  async loadContacts() {
    try {
      const data = await api.get("/api/contacts");
      if (!this.rosterLoaded) {
        data.contacts.forEach((user) => this.contacts.set(user.id, user));
        this.renderContacts();
      }
      data.pending.forEach((user) => this.pending.set(user.id, user));
      this.renderPending();
    } catch (error) {
      if (error.status !== 404) this.notice(error.message);
    }
  }

  async loadRooms() {
    try {
      const { rooms } = await api.get("/api/rooms");
      $("#rooms-list").replaceChildren(
        ...rooms.map((room) =>
          h("li", {}, this.opener(room.id, room.name, h("span", { className: "list-btn__meta", text: `${room.online ?? 0} online` })))),
      );
    } catch (error) {
      if (error.status !== 404) this.notice(error.message);
    }
  }

  async loadBots() {
    try {
      const { bots } = await api.get("/api/bots");
      $("#bots-list").replaceChildren(
        ...bots.map(({ user, sleeping }) => {
          const button = h("button", { type: "button", className: "list-btn", "data-user": user.id },
            h("img", { className: "buddy-icon", src: user.avatar || "/static/img/buddy.svg", alt: "" }),
            h("span", { className: "list-btn__name", text: user.name }),
            h("span", { className: "list-btn__meta", text: sleeping ? "sleeping" : "bot" }));
          button.addEventListener("click", () => this.app.openDm(user));
          return h("li", {}, button);
        }),
      );
    } catch (error) {
      if (error.status !== 404) this.notice(error.message);
    }
  }

  opener(roomId, name, meta) {
    const button = h("button", { type: "button", className: "list-btn", "data-room": roomId },
      h("span", { className: "list-btn__name", text: name }), meta,
      h("span", { className: "badge", hidden: true }));
    button.addEventListener("click", () => this.app.openRoom(roomId, name));
    return button;
  }

  contactItem(user) {
    const open = h("button", { type: "button", className: "list-btn contact", "data-user": user.id, title: `Send an instant message to ${user.name}` },
      statusIcon(user.status),
      h("span", { className: "list-btn__name", text: user.name }),
      user.personalMessage ? h("span", { className: "list-btn__pm", text: user.personalMessage }) : null,
      h("span", { className: "badge", hidden: true }));
    open.addEventListener("click", () => this.app.openDm(user));
    const block = h("button", { type: "button", className: "mini-btn", "aria-label": `Block ${user.name}`, title: "Block", text: "Block" });
    block.addEventListener("click", () => this.block(user));
    const item = h("li", { className: "contact-row" }, open, block);
    return item;
  }

  renderContacts() {
    const { online, offline } = groupContacts([...this.contacts.values()]);
    $("#contacts-online").replaceChildren(...online.map((user) => this.contactItem(user)));
    $("#contacts-offline").replaceChildren(...offline.map((user) => this.contactItem(user)));
    $("#count-online").textContent = `(${online.length})`;
    $("#count-offline").textContent = `(${offline.length})`;
    this.unread.forEach((count, roomId) => this.paintUnread(roomId, count));
  }

  renderPending() {
    const list = $("#contacts-pending");
    list.replaceChildren(
      ...[...this.pending.values()].map((user) => {
        const add = h("button", { type: "button", className: "mini-btn", text: "Add", "aria-label": `Add ${user.name} to your contacts` });
        add.addEventListener("click", () => this.addContact(user.id));
        return h("li", { className: "contact-row" }, h("span", { className: "list-btn__name", text: `${user.name} added you` }), add);
      }),
    );
    $("#pending-group").hidden = this.pending.size === 0;
  }

  async addContact(username) {
    if (!username) return;
    try {
      const { contact } = await api.post("/api/contacts", { username });
      this.contacts.set(contact.id, contact);
      this.pending.delete(contact.id);
      this.renderContacts();
      this.renderPending();
      $("#add-contact-name").value = "";
      this.notice(`${contact.name} is now in your contacts.`);
    } catch (error) {
      const words = { NOT_FOUND: `There is no user called "${username}".`, CONFLICT: `${username} is already in your contacts.` };
      this.notice(words[error.code] || error.message);
    }
  }

  async block(user) {
    try {
      await api.post(`/api/contacts/${encodeURIComponent(user.id)}/block`);
      this.contacts.delete(user.id);
      this.renderContacts();
      this.notice(`${user.name} is blocked: they see you offline and can't message you.`);
    } catch (error) {
      this.notice(error.message);
    }
  }

  // The server sends `unread` at sign-in and live, on each new DM and each read (docs/PRESENCE.md).
  onUnread({ roomId, count }) {
    this.setUnread(roomId, count);
    const other = this.dmPartner(roomId);
    // Someone outside the contact list has no row to badge: a toast tells of their DM instead.
    if (count && other && !this.badgeFor(roomId) && !this.app.conversations.has(roomId)) {
      this.toast(`${other} sent you an instant message.`, null, () => this.app.openDm({ id: other, name: other }));
    }
  }

  setUnread(roomId, count) {
    this.unread.set(roomId, count);
    this.paintUnread(roomId, count);
  }

  dmPartner(roomId) {
    return dmPartnerName(roomId, this.me.id);
  }

  badgeFor(roomId) {
    let button = this.el.querySelector(`[data-room="${CSS.escape(roomId)}"]`);
    const other = this.dmPartner(roomId);
    if (!button && other) button = this.el.querySelector(`.contact[data-user="${CSS.escape(other)}"]`);
    return button && button.querySelector(".badge");
  }

  paintUnread(roomId, count) {
    const badge = this.badgeFor(roomId);
    if (!badge) return;
    badge.textContent = count ? String(count) : "";
    badge.hidden = !count;
  }

  notice(text) {
    const line = $("#main-notice");
    line.textContent = text;
    line.hidden = !text;
  }

  toast(text, user, onOpen) {
    const toast = h("div", { className: "toast", role: "status" },
      h("div", { className: "toast__bar", text: "CF Messenger" }),
      h("div", { className: "toast__body" },
        user ? h("img", { className: "buddy-icon", src: user.avatar || "/static/img/buddy.svg", alt: "" }) : null,
        h("span", { text })));
    if (onOpen) {
      toast.classList.add("toast--action");
      toast.addEventListener("click", () => {
        toast.remove();
        onOpen();
      });
    }
    $("#toasts").append(toast);
    setTimeout(() => toast.remove(), TOAST_MS);
  }
}
