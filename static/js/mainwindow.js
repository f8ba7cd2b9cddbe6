// The main window: who I am (picture, name and personal message, each
// changed where it is shown, as in MSN), my contacts live from the presence
// socket, blocked people, public rooms and bots, the toasts and the sounds of
// the contact list. State lives in the maps below; the lists are drawn from
// them, with emoticons as the Options say.
import * as api from "./api.js";
import { confirmDialog } from "./dialog.js";
import { $, clear, h } from "./dom.js";
import { IdleWatch } from "./idle.js";
import { CLOSE, ERROR } from "./lib/codes.js";
import { dmPartnerName, groupContacts, nameWithStatus } from "./lib/format.js";
import { onPrefChange } from "./prefs.js";
import { optionsDialog, pictureDialog } from "./profile.js";
import { richText } from "./richtext.js";
import { LiveSocket } from "./socket.js";
import { offlineAlert, signInChime } from "./sound.js";
import { statusIcon } from "./status.js";

const TOAST_MS = 6000;
const NO_PICTURE = "/static/img/buddy.svg";
// Group conversations' room ids (docs/PROTOCOL.md §9).
const GROUP_PREFIX = "gc_";
// Room member counts change as people come and go; the list is redrawn this often.
const ROOMS_REFRESH_MS = 20_000;

export class MainWindow {
  constructor(app) {
    this.app = app;
    this.el = document.getElementById("main-window");
    this.contacts = new Map();
    this.blocked = new Map();
    // People who added me or wrote to me and whom I have neither added nor blocked.
    this.waiting = new Map();
    this.bots = new Map();
    this.rosterLoaded = false;
    this.idle = new IdleWatch();
    this.idle.addEventListener("change", (event) => this.socket && this.socket.send({ type: "idle", idle: event.detail }));
    // "Show emoticons" switched: everything drawn with names is drawn again.
    onPrefChange((name) => {
      if (name !== "showEmoticons" || !this.me || this.el.hidden) return;
      this.renderMe();
      this.renderContacts();
      this.renderWaiting();
    });
  }

  start(me) {
    this.me = me;
    // The first unread snapshot after sign-in is what waited while I was away.
    this.heardSnapshot = false;
    this.el.hidden = false;
    this.renderMe();
    this.wire();
    this.socket = new LiveSocket("/api/ws/presence");
    this.socket.addEventListener("frame", (event) => this.onFrame(event.detail));
    this.socket.addEventListener("state", (event) => {
      const state = event.detail;
      $("#main-conn").hidden = state === "open";
      $("#main-conn").textContent = state === "reconnecting" ? "Connection lost. Reconnecting…" : "Connecting…";
      if (state === "open" && this.idle.idle) this.socket.send({ type: "idle", idle: true });
    });
    this.socket.addEventListener("refused", (event) => {
      if (event.detail.code === CLOSE.UNAUTHENTICATED) this.app.socketUnauthenticated(this.socket);
    });
    this.socket.start();
    this.idle.start();
    this.loadContacts();
    this.loadRooms();
    this.loadBots();
    this.roomsTimer = setInterval(() => this.loadRooms(), ROOMS_REFRESH_MS);
  }

  stop() {
    if (this.socket) this.socket.stop();
    this.idle.stop();
    clearInterval(this.roomsTimer);
    this.closeMenu();
    // A session that ends with a dialog open must not leave it over the sign-in
    // window (a Block question left open answers "no").
    ["#picture-dialog", "#options-dialog", "#confirm"].forEach((id) => $(id).open && $(id).close("cancel"));
    this.el.hidden = true;
    this.contacts.clear();
    this.blocked.clear();
    this.waiting.clear();
    this.rosterLoaded = false;
    ["#contacts-online", "#contacts-offline", "#contacts-pending", "#contacts-blocked", "#rooms-list", "#bots-list"].forEach((id) => clear($(id)));
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
    message.addEventListener("blur", () => this.renderPersonalMessage(message.value.trim()));
    $("#me-picture").addEventListener("click", () => this.changePicture());
    $("#me-name").addEventListener("click", () => this.editName());
    const name = $("#me-name-edit");
    name.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this.finishName({ save: true, refocus: true });
      } else if (event.key === "Escape") {
        event.preventDefault();
        this.finishName({ save: false, refocus: true });
      }
    });
    name.addEventListener("blur", () => this.finishName({ save: true, refocus: false }));
    $("#options-open").addEventListener("click", (event) => optionsDialog({ returnFocus: event.currentTarget }));
    $("#add-contact").addEventListener("submit", (event) => {
      event.preventDefault();
      this.addContact($("#add-contact-name").value.trim().toLowerCase());
    });
    $("#sign-out").addEventListener("click", () => this.app.signOut());
    document.addEventListener("pointerdown", (event) => {
      if (this.menu && !this.menu.contains(event.target)) this.closeMenu();
    });
  }

  // Where the keyboard goes once the list is shown: the first contact, or the status.
  focusList() {
    const first = this.el.querySelector(".lists .list-btn");
    (first || $("#me-status")).focus();
  }

  renderMe() {
    $("#me-avatar").src = this.me.avatar || NO_PICTURE;
    $("#me-name").replaceChildren(...richText(this.me.name));
    $("#me-status").value = this.me.status === "offline" ? "invisible" : this.me.status;
    if (document.activeElement !== $("#me-pm")) $("#me-pm").value = this.me.personalMessage || "";
    this.renderPersonalMessage(this.me.personalMessage || "");
  }

  // The personal message is an input; while it is not being edited, a copy
  // with its emoticons drawn lies over it (profile.css).
  renderPersonalMessage(text) {
    $("#me-pm-view").replaceChildren(...richText(text));
    $("#me-pm").parentElement.classList.toggle("has-pm", Boolean(text));
  }

  // --- my own picture and name --------------------------------------------------

  async changePicture() {
    const user = await pictureDialog({ me: this.me, returnFocus: $("#me-picture") });
    if (user) this.meUpdated(user);
  }

  meUpdated(user) {
    this.me = { ...this.me, ...user };
    this.renderMe();
    this.app.meChanged?.(this.me);
  }

  editName() {
    const input = $("#me-name-edit");
    input.value = this.me.name;
    $("#me-name").hidden = true;
    input.hidden = false;
    input.focus();
    input.select();
  }

  async finishName({ save, refocus }) {
    const input = $("#me-name-edit");
    if (input.hidden) return;
    const name = input.value.trim();
    input.hidden = true;
    $("#me-name").hidden = false;
    if (refocus) $("#me-name").focus();
    if (!save || !name || name === this.me.name) return;
    try {
      const { user } = await api.patch("/api/auth/me", { displayName: name });
      this.meUpdated(user);
      this.notice("");
    } catch (error) {
      this.notice(
        error.code === ERROR.CONFLICT
          ? `"${name}" looks too much like someone else's name: pick another display name.`
          : `Your display name was not changed: ${error.message.replace(/^displayName: /, "")}`,
      );
    }
  }

  get busy() {
    return this.me && this.me.status === "busy";
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
      const snapshot = !this.heardSnapshot;
      this.heardSnapshot = true;
      const alerted = snapshot && (frame.rooms || []).some((room) => room.count > 0 && this.isPrivate(room.roomId)) && !this.busy;
      if (alerted) offlineAlert();
      // The alert stands for everything that waited: no message sound on top of it.
      this.app.serverUnread(frame.rooms || [], { quiet: alerted });
    } else if (frame.type === "conversation" && frame.room) {
      // Someone put us into a group conversation (docs/PROTOCOL.md §9).
      this.app.conversationFrame?.(frame.room, frame.by);
    } else if (frame.type === "contactAdded" && frame.user) {
      if (!this.contacts.has(frame.user.id) && !this.blocked.has(frame.user.id)) this.waiting.set(frame.user.id, { ...frame.user, reason: "added you" });
      this.renderWaiting();
      this.toast(`${frame.user.name} has added you to their contact list.`, frame.user);
    } else if (frame.type === "error") {
      this.notice(frame.message || frame.code);
    }
  }

  onPresence(user) {
    if (user.id === this.me.id) {
      // Our own frame: the confirmation of a change, or the server's automatic away.
      this.me = { ...this.me, ...user };
      this.renderMe();
      this.app.meChanged?.(this.me);
      return;
    }
    const before = this.contacts.get(user.id);
    if (!before && !this.rosterLoaded) return;
    this.contacts.set(user.id, user);
    this.renderContacts();
    // Added back (in this page or another): no longer waiting.
    if (this.waiting.has(user.id)) this.renderWaiting();
    // Open conversation windows follow the name, picture and status.
    this.app.contactChanged?.(user);
    if (before && before.status === "offline" && user.status !== "offline" && !this.busy) {
      this.toast(`${user.name} has just signed in.`, user);
      signInChime();
    }
  }

  // Messages written to me (a DM or a group conversation), as MSN's offline
  // messages were; public-room chatter rings no alert.
  isPrivate(roomId) {
    return Boolean(dmPartnerName(roomId, this.me.id)) || roomId.startsWith(GROUP_PREFIX);
  }

  async loadContacts() {
    try {
      const data = await api.get("/api/contacts");
      if (!this.rosterLoaded) data.contacts.forEach((user) => this.contacts.set(user.id, user));
      data.blocked.forEach((user) => this.blocked.set(user.id, user));
      data.pending.forEach((user) => this.waiting.set(user.id, { ...user, reason: "added you" }));
      this.renderContacts();
      this.renderWaiting();
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
      this.app.repaintUnread();
    } catch (error) {
      if (error.status !== 404) this.notice(error.message);
    }
  }

  async loadBots() {
    try {
      const { bots } = await api.get("/api/bots");
      bots.forEach(({ user }) => this.bots.set(user.id, user));
      $("#bots-list").replaceChildren(
        ...bots.map(({ user, sleeping }) => {
          const button = h("button", { type: "button", className: "list-btn contact", "data-user": user.id, title: `Chat with the bot ${user.name} (@${user.id})` },
            h("img", { className: "buddy-icon", src: user.avatar || NO_PICTURE, alt: "" }),
            h("span", { className: "list-btn__name", text: user.name }),
            h("span", { className: "handle", text: `@${user.id}` }),
            h("span", { className: "badge", hidden: true }),
            h("span", { className: "list-btn__meta", text: sleeping ? "sleeping: its daily quota is spent" : "bot" }));
          button.addEventListener("click", () => this.app.openDm(user, button));
          return h("li", {}, button);
        }),
      );
      this.app.repaintUnread();
    } catch (error) {
      if (error.status !== 404) this.notice(error.message);
    }
  }

  opener(roomId, name, meta) {
    const button = h("button", { type: "button", className: "list-btn", "data-room": roomId },
      h("span", { className: "list-btn__name", text: name }),
      h("span", { className: "badge", hidden: true }), meta);
    button.addEventListener("click", () => this.app.openRoom(roomId, name, { opener: button }));
    return button;
  }

  // The name with its emoticons, then the status in words ("Bob (Away)").
  nameNodes(user, blocked = false) {
    const label = nameWithStatus({ ...user, blocked });
    return [...richText(user.name), label.slice(user.name.length)];
  }

  contactItem(user) {
    const blocked = this.blocked.has(user.id);
    const label = nameWithStatus({ ...user, blocked });
    const open = h("button", { type: "button", className: `list-btn contact${blocked ? " is-blocked" : ""}`, "data-user": user.id, title: `Send an instant message to ${label}` },
      statusIcon(user.status, { blocked }),
      h("span", { className: "list-btn__name" }, this.nameNodes(user, blocked)),
      h("span", { className: "badge", hidden: true }),
      h("img", { className: "buddy-icon contact__picture", src: user.avatar || NO_PICTURE, alt: "", width: 24, height: 24 }),
      user.personalMessage ? h("span", { className: "list-btn__pm" }, richText(user.personalMessage)) : null);
    open.addEventListener("click", () => this.app.openDm(user, open));
    open.addEventListener("contextmenu", (event) => {
      event.preventDefault();
      this.openMenu(user, more);
    });
    const more = h("button", { type: "button", className: "row-menu", "data-menu-for": user.id, "aria-haspopup": "menu", "aria-label": `More for ${user.name}`, title: "Block, unblock…", text: "⋯" });
    more.addEventListener("click", () => this.openMenu(user, more));
    return h("li", { className: "contact-row" }, open, more);
  }

  renderContacts() {
    // A presence change redraws the list; the keyboard stays on the same row.
    const focused = document.activeElement;
    const row = focused && focused.closest && focused.closest("#main-window .contact-row");
    const keep = row && (focused.dataset.user ? `.contact[data-user="${CSS.escape(focused.dataset.user)}"]` : focused.dataset.menuFor ? `[data-menu-for="${CSS.escape(focused.dataset.menuFor)}"]` : null);
    const listed = [...this.contacts.values()];
    const { online, offline } = groupContacts(listed);
    $("#contacts-online").replaceChildren(...online.map((user) => this.contactItem(user)));
    $("#contacts-offline").replaceChildren(...offline.map((user) => this.contactItem(user)));
    $("#count-online").textContent = `(${online.length})`;
    $("#count-offline").textContent = `(${offline.length})`;
    const others = [...this.blocked.values()].filter((user) => !this.contacts.has(user.id));
    $("#contacts-blocked").replaceChildren(...others.map((user) => this.contactItem({ ...user, status: "offline" })));
    $("#blocked-group").hidden = others.length === 0;
    this.app.repaintUnread();
    if (keep && !document.activeElement.closest("#main-window .contact-row")) {
      const again = this.el.querySelector(keep);
      if (again) again.focus();
    }
  }

  renderWaiting() {
    this.waiting.forEach((_, id) => (this.contacts.has(id) || this.blocked.has(id)) && this.waiting.delete(id));
    $("#contacts-pending").replaceChildren(
      ...[...this.waiting.values()].map((user) => {
        const open = h("button", { type: "button", className: "list-btn contact", "data-user": user.id, title: `Send an instant message to ${user.name}` },
          statusIcon(user.status),
          h("span", { className: "list-btn__name" }, richText(user.name)),
          h("span", { className: "badge", hidden: true }),
          h("span", { className: "list-btn__meta", text: user.reason }));
        open.addEventListener("click", () => this.app.openDm(user, open));
        const add = h("button", { type: "button", className: "mini-btn", text: "Add", "aria-label": `Add ${user.name} to your contacts` });
        add.addEventListener("click", () => this.addContact(user.id));
        const block = h("button", { type: "button", className: "mini-btn", text: "Block", "aria-label": `Block ${user.name}` });
        block.addEventListener("click", () => this.block(user, block));
        return h("li", { className: "contact-row" }, open, add, block);
      }),
    );
    $("#pending-group").hidden = this.waiting.size === 0;
    this.app.repaintUnread();
  }

  // Someone not on the list wrote to me: they wait with Add and Block.
  strangerWrote(user) {
    if (this.contacts.has(user.id) || this.blocked.has(user.id) || this.bots.has(user.id) || this.waiting.has(user.id)) return;
    this.waiting.set(user.id, { ...user, reason: "sent you a message" });
    this.renderWaiting();
  }

  knownUser(id) {
    return this.contacts.get(id) || this.bots.get(id) || this.waiting.get(id) || this.blocked.get(id) || null;
  }

  // --- the row menu (Block / Unblock) ---------------------------------------

  openMenu(user, button) {
    this.closeMenu();
    const blocked = this.blocked.has(user.id);
    const items = [
      ["Send an instant message", () => this.app.openDm(user, button)],
      blocked ? [`Unblock ${user.name}`, () => this.unblock(user, button)] : [`Block ${user.name}`, () => this.block(user, button)],
    ].map(([text, act]) => {
      const item = h("button", { type: "button", role: "menuitem", className: "menu__item", text });
      item.addEventListener("click", () => {
        this.closeMenu();
        act();
      });
      return item;
    });
    const menu = h("div", { className: "menu", role: "menu", "aria-label": `Actions for ${user.name}` }, items);
    menu.addEventListener("keydown", (event) => {
      const at = items.indexOf(document.activeElement);
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.closeMenu();
        this.refocus(user.id, button, true);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        items[(at + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length].focus();
      } else if (event.key === "Tab") {
        this.closeMenu();
      }
    });
    const box = button.getBoundingClientRect();
    const area = this.el.getBoundingClientRect();
    menu.style.top = `${box.bottom - area.top}px`;
    menu.style.right = `${area.right - box.right}px`;
    this.el.append(menu);
    this.menu = menu;
    items[0].focus();
  }

  closeMenu() {
    if (this.menu) this.menu.remove();
    this.menu = null;
  }

  async addContact(username) {
    if (!username) return;
    try {
      const { contact } = await api.post("/api/contacts", { username });
      this.contacts.set(contact.id, contact);
      this.waiting.delete(contact.id);
      this.renderContacts();
      this.renderWaiting();
      $("#add-contact-name").value = "";
      this.notice(`${contact.name} is now in your contacts.`);
    } catch (error) {
      const words = { [ERROR.NOT_FOUND]: `There is no user called "${username}".`, [ERROR.CONFLICT]: `${username} is already in your contacts.` };
      this.notice(words[error.code] || error.message);
    }
  }

  async block(user, returnFocus) {
    const sure = await confirmDialog({
      title: `Block ${user.name}?`,
      text: `${user.name} will see you as offline and won't be able to send you messages. You can unblock them later from this list.`,
      confirm: "Block",
      returnFocus,
    });
    if (!sure) return;
    try {
      await api.post(`/api/contacts/${encodeURIComponent(user.id)}/block`);
      this.blocked.set(user.id, user);
      this.waiting.delete(user.id);
      this.renderContacts();
      this.renderWaiting();
      this.notice(`${user.name} is blocked: they see you offline and can't message you.`);
    } catch (error) {
      this.notice(error.code === ERROR.CONFLICT ? `${user.name} was already blocked.` : error.message);
    }
    this.refocus(user.id, returnFocus);
  }

  async unblock(user, returnFocus) {
    const sure = await confirmDialog({
      title: `Unblock ${user.name}?`,
      text: `${user.name} will see your status again and can send you messages.`,
      confirm: "Unblock",
      returnFocus,
    });
    if (!sure) return;
    try {
      await api.del(`/api/contacts/${encodeURIComponent(user.id)}/block`);
      this.blocked.delete(user.id);
      this.renderContacts();
      this.notice(`${user.name} is unblocked.`);
    } catch (error) {
      this.notice(error.code === ERROR.CONFLICT ? `${user.name} was not blocked.` : error.message);
    }
    this.refocus(user.id, returnFocus);
  }

  // A redrawn list replaced the button that had the keyboard: give it to its successor.
  refocus(userId, previous, menu = false) {
    if (previous && previous.isConnected) {
      previous.focus();
      return;
    }
    const row = this.el.querySelector(menu ? `[data-menu-for="${CSS.escape(userId)}"]` : `.contact[data-user="${CSS.escape(userId)}"]`);
    if (row) row.focus();
    else this.focusList();
  }

  // --- badges -----------------------------------------------------------------

  paintUnread(roomId, partnerId, count) {
    const selector = partnerId ? `.contact[data-user="${CSS.escape(partnerId)}"] .badge` : `[data-room="${CSS.escape(roomId)}"] .badge`;
    this.el.querySelectorAll(selector).forEach((badge) => {
      badge.textContent = count ? String(count) : "";
      badge.hidden = !count;
      badge.setAttribute("aria-label", count === 1 ? "1 unread message" : `${count} unread messages`);
    });
  }

  notice(text) {
    const line = $("#main-notice");
    line.textContent = text;
    line.hidden = !text;
  }

  toast(text, user, onOpen) {
    const body = h("div", { className: "toast__body" },
      user ? h("img", { className: "buddy-icon", src: user.avatar || NO_PICTURE, alt: "" }) : null,
      h("span", { className: "toast__text" }, richText(text)));
    const toast = h("div", { className: "toast", role: "status" }, h("div", { className: "toast__bar", text: "CF Messenger" }), body);
    if (onOpen) {
      const open = h("button", { type: "button", className: "toast__open", "aria-label": `${text} Open the conversation` });
      open.append(...body.childNodes);
      body.append(open);
      open.addEventListener("click", () => {
        toast.remove();
        onOpen();
      });
    }
    $("#toasts").append(toast);
    setTimeout(() => toast.remove(), TOAST_MS);
    return toast;
  }
}
