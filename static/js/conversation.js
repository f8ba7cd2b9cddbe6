// One conversation window: a DM or a room, its socket, and what it shows.
// What the window shows lives in `this.timeline` (and the room's members in
// `this.members`); the DOM is drawn from them, never read back as state.
import { $, announce, h, prefersReducedMotion } from "./dom.js";
import { CLOSE, ERROR, MAX_CHAT_CHARS } from "./lib/codes.js";
import { emoticonUrl, parseEmoticons } from "./lib/emoticons.js";
import { clockTime, dmPartnerName, nameWithStatus, retryText, typingText } from "./lib/format.js";
import { clientIdFactory } from "./lib/outbox.js";
import { Timeline } from "./lib/timeline.js";
import { LiveSocket } from "./socket.js";
import { statusIcon } from "./status.js";
import { nudgeBuzz } from "./sound.js";
import { makeWindow, place, raise, setBehind, shake } from "./windows.js";

const TYPING_RENEW_MS = 2000;
// The server ends typing after 3 s; this is only a fallback if that frame is lost.
const TYPING_FALLBACK_MS = 6000;
const HISTORY_PAGE = 50;
// The character counter shows from here on, before the limit is reached.
const COUNTER_FROM = MAX_CHAT_CHARS - 248;
// A reader this close to the bottom is "at the bottom" and follows new messages.
const AT_BOTTOM_PX = 32;

const nextClientId = clientIdFactory(`w${Math.random().toString(36).slice(2, 8)}`);
const thousands = new Intl.NumberFormat("en");

export function renderText(text) {
  return parseEmoticons(text).map((part) =>
    part.type === "text"
      ? document.createTextNode(part.text)
      : h("img", { className: "emoticon", src: emoticonUrl(part.name), alt: part.code, title: part.label }),
  );
}

const REFUSALS = {
  [CLOSE.FORBIDDEN]: "You can't join this conversation.",
  [CLOSE.NOT_FOUND]: "This room does not exist.",
  [CLOSE.KICKED]: "A moderator removed you from this room.",
};

export class Conversation {
  constructor({ roomId, title, app, background = false, opener = null }) {
    this.roomId = roomId;
    this.app = app;
    this.me = app.me;
    this.partnerId = dmPartnerName(roomId, app.me.id);
    this.opener = opener;
    this.timeline = new Timeline();
    this.members = new Map();
    this.typers = new Map();
    this.hasMore = false;
    this.welcomed = false;
    this.newBelow = 0;
    this.lastReadSent = 0;
    this.lastTypingSent = 0;

    this.el = document.getElementById("tpl-conversation").content.firstElementChild.cloneNode(true);
    this.el.dataset.room = roomId;
    this.titleEl = $(".xp-titlebar__text", this.el);
    this.log = $(".conv__log", this.el);
    this.input = $(".conv__input", this.el);
    this.errorEl = $(".conv__error", this.el);
    this.typingEl = $(".conv__typing", this.el);
    this.statusEl = $(".conv__status", this.el);
    this.moreButton = $(".conv__more", this.el);
    this.jumpButton = $(".conv__jump", this.el);
    this.counterEl = $(".conv__counter", this.el);
    this.picker = $(".conv__winks", this.el);
    this.suggestions = $(".conv__suggest", this.el);
    this.setTitle(title);
    this.wire();
    document.getElementById("desktop").append(this.el);
    place(this.el);
    if (background) setBehind(this.el);
    else raise(this.el);
    this.app.outbox.list(roomId).forEach((frame) => this.showPending(frame));

    this.socket = new LiveSocket(`/api/ws/room/${encodeURIComponent(roomId)}`, { since: () => this.timeline.lastSeq });
    this.socket.addEventListener("frame", (event) => this.onFrame(event.detail));
    this.socket.addEventListener("state", (event) => this.onState(event.detail));
    this.socket.addEventListener("refused", (event) => this.onRefused(event.detail.code));
    this.socket.start();
  }

  setTitle(title) {
    this.title = title;
    this.titleEl.textContent = `${title} - Conversation`;
    this.el.setAttribute("aria-label", `Conversation with ${title}`);
  }

  wire() {
    makeWindow(this.el, { onClose: () => this.app.closeConversation(this.roomId), onEscape: () => this.closePopup() });
    $(".conv__compose", this.el).addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendChat();
    });
    this.input.addEventListener("keydown", (event) => {
      if (!this.suggestions.hidden && (event.key === "Tab" || event.key === "Enter")) {
        event.preventDefault();
        this.complete(this.suggestions.querySelector("button"));
        return;
      }
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendChat();
      }
    });
    this.input.addEventListener("input", () => this.typed());
    $(".conv__nudge", this.el).addEventListener("click", () => this.sendNudge());
    $(".conv__wink-toggle", this.el).addEventListener("click", () => this.toggleWinks());
    this.moreButton.addEventListener("click", () => this.loadEarlier());
    this.jumpButton.addEventListener("click", () => {
      this.scrollToEnd();
      this.input.focus();
    });
    this.log.addEventListener("scroll", () => {
      if (this.atBottom()) this.setNewBelow(0);
      if (this.log.scrollTop === 0 && this.hasMore) this.loadEarlier();
    });
    this.el.addEventListener("raised", () => this.markRead());
  }

  // Esc closes the innermost popup first; returns whether there was one.
  closePopup() {
    if (!this.suggestions.hidden) {
      this.suggestions.hidden = true;
      return true;
    }
    if (!this.picker.hidden) {
      this.picker.hidden = true;
      $(".conv__wink-toggle", this.el).focus();
      return true;
    }
    return false;
  }

  // --- sending ------------------------------------------------------------

  sendChat() {
    const text = this.input.value.trim();
    this.input.focus();
    if (!text) return;
    if (text.length > MAX_CHAT_CHARS) {
      this.showError(
        `This message is ${thousands.format(text.length)} characters long; the limit is ${thousands.format(MAX_CHAT_CHARS)}. Shorten it or send it in parts.`,
      );
      return;
    }
    const frame = { type: "chat", clientId: nextClientId(), text };
    this.app.outbox.add(this.roomId, frame);
    this.showPending(frame);
    this.input.value = "";
    this.showCounter();
    this.suggestions.hidden = true;
    this.lastTypingSent = 0;
    this.scrollToEnd();
    this.markRead();
    // Before the welcome the socket is not ready: the welcome sends every waiting message.
    if (this.welcomed) this.socket.send(frame);
  }

  typed() {
    this.showCounter();
    this.suggest();
    this.markRead();
    const now = Date.now();
    if (this.input.value.trim() && now - this.lastTypingSent > TYPING_RENEW_MS) {
      this.lastTypingSent = now;
      this.socket.send({ type: "typing", typing: true });
    }
  }

  showCounter() {
    const length = this.input.value.trim().length;
    this.counterEl.hidden = length < COUNTER_FROM;
    this.counterEl.textContent = `${thousands.format(length)} / ${thousands.format(MAX_CHAT_CHARS)}`;
    this.counterEl.classList.toggle("is-over", length > MAX_CHAT_CHARS);
  }

  // Bot @handles offered after "@" in a public room, where a mention calls a bot.
  suggest() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const match = this.partnerId ? null : /(?:^|\s)@([\w.-]*)$/.exec(before);
    const typed = match ? match[1].toLowerCase() : null;
    const bots = typed === null ? [] : this.app.bots.filter((bot) => bot.id.startsWith(typed) || bot.name.toLowerCase().startsWith(typed));
    this.suggestions.replaceChildren(
      ...bots.slice(0, 5).map((bot) => {
        const choice = h("button", { type: "button", className: "suggest__item", "data-handle": bot.id },
          h("span", { className: "list-btn__name", text: bot.name }), h("span", { className: "handle", text: `@${bot.id}` }));
        choice.addEventListener("click", () => this.complete(choice));
        return choice;
      }),
    );
    this.suggestions.hidden = bots.length === 0;
  }

  complete(choice) {
    if (!choice) return;
    const caret = this.input.selectionStart;
    const before = this.input.value.slice(0, caret).replace(/@[\w.-]*$/, `@${choice.dataset.handle} `);
    this.input.value = before + this.input.value.slice(caret);
    this.input.setSelectionRange(before.length, before.length);
    this.suggestions.hidden = true;
    this.input.focus();
  }

  sendNudge() {
    this.clearError();
    if (!this.socket.send({ type: "nudge", clientId: nextClientId() })) this.showError("Not connected; the nudge was not sent. Try again when the connection is back.");
  }

  toggleWinks() {
    if (!this.picker.hidden) {
      this.picker.hidden = true;
      return;
    }
    this.picker.replaceChildren(
      ...this.app.winks.map((wink) => {
        const button = h("button", { type: "button", className: "wink-choice", title: wink.name, "data-wink": wink.id },
          h("img", { src: wink.url, alt: "" }), wink.name);
        button.addEventListener("click", () => {
          this.picker.hidden = true;
          this.clearError();
          this.socket.send({ type: "wink", clientId: nextClientId(), winkId: wink.id });
          this.input.focus();
        });
        return button;
      }),
    );
    if (!this.app.winks.length) this.picker.append(h("p", { text: "No winks on this server." }));
    this.picker.hidden = false;
    const first = this.picker.querySelector("button");
    if (first) first.focus();
  }

  loadEarlier() {
    if (this.loadingEarlier || !this.timeline.firstSeq) return;
    this.loadingEarlier = this.socket.send({ type: "history", before: this.timeline.firstSeq, limit: HISTORY_PAGE });
  }

  // --- receiving ----------------------------------------------------------

  onFrame(frame) {
    const handler = {
      welcome: () => this.onWelcome(frame),
      chat: () => this.onChat(frame),
      ack: () => this.onAck(frame),
      history: () => this.onHistory(frame),
      typing: () => this.onTyping(frame),
      nudge: () => this.onNudge(frame),
      wink: () => this.onWink(frame),
      join: () => this.onJoin(frame.user, true),
      leave: () => this.onJoin(frame.user, false),
      delete: () => this.removeEntry(`s${Number(frame.seq)}`),
      error: () => this.onError(frame),
    }[frame.type];
    if (handler) handler();
  }

  onWelcome(frame) {
    if (frame.you) this.me = frame.you;
    if (frame.room) {
      this.roomName = frame.room.kind === "dm" ? null : frame.room.name;
      $(".conv__topic", this.el).textContent = frame.room.topic || "";
    }
    this.members = new Map((frame.members || []).map((user) => [user.id, user]));
    this.renderTitle();
    this.renderMembers();
    const history = frame.history || [];
    history.forEach((message) => this.onChat(message, { live: false }));
    if (this.timeline.firstSeq > 1 || (!history.length && frame.lastSeq > this.timeline.lastSeq)) this.hasMore = true;
    this.moreButton.hidden = !this.hasMore;
    this.welcomed = true;
    // What still waits was not acknowledged before the drop (or was typed
    // while offline): it goes out once per connection with its clientId, so
    // the server stores it at most once.
    this.app.outbox.list(this.roomId).forEach((pendingFrame) => this.socket.send(pendingFrame));
    this.scrollToEnd();
    if (this.isRead()) this.markRead();
    this.app.conversationReady(this);
  }

  // A DM is titled with the partner's name whether or not they are here; a
  // room with its own name.
  renderTitle() {
    if (this.partnerId) {
      const partner = this.members.get(this.partnerId) || this.app.knownUser(this.partnerId);
      if (partner) this.setTitle(partner.name);
    } else if (this.roomName) {
      this.setTitle(this.roomName);
    }
  }

  onChat(message, { live = true } = {}) {
    const mine = Boolean(message.sender && message.sender.id === this.me.id);
    if (mine && message.clientId) this.settle(message.clientId);
    const wasAtBottom = this.atBottom();
    const index = this.timeline.addChat(message);
    if (index < 0) return;
    this.renderAt(index);
    if (!live) return;
    if (mine || wasAtBottom) this.scrollToEnd();
    else this.setNewBelow(this.newBelow + 1);
    this.stopTyping(message.sender && message.sender.id);
    if (mine) return;
    announce(`${message.sender.name} says: ${message.text}`);
    if (this.isRead()) this.markRead();
    else this.app.unseenMessage(this, message);
  }

  onAck(frame) {
    const entry = this.timeline.get(`c${frame.clientId}`);
    this.settle(frame.clientId);
    // The ack can come before (or instead of) our own chat frame: show the
    // message now; the chat frame with the same seq is then a duplicate.
    if (entry) this.onChat({ ...entry.message, seq: frame.seq, sender: this.me }, { live: false });
    this.scrollToEnd();
  }

  settle(clientId) {
    this.app.outbox.settle(this.roomId, clientId);
    if (this.timeline.get(`c${clientId}`)) {
      this.removeEntry(`c${clientId}`);
      this.clearError();
    }
  }

  onHistory(frame) {
    this.loadingEarlier = false;
    const keepFromBottom = this.log.scrollHeight - this.log.scrollTop;
    (frame.messages || []).forEach((message) => this.onChat(message, { live: false }));
    this.hasMore = Boolean(frame.hasMore);
    this.moreButton.hidden = !this.hasMore;
    this.log.scrollTop = this.log.scrollHeight - keepFromBottom;
  }

  showPending(frame) {
    const index = this.timeline.addPending({ clientId: frame.clientId, text: frame.text, sender: this.me, ts: Date.now() });
    if (index >= 0) this.renderAt(index);
  }

  systemLine(text, className = "") {
    const wasAtBottom = this.atBottom();
    const index = this.timeline.addSystem(text, { className });
    this.renderAt(index);
    if (wasAtBottom) this.scrollToEnd();
  }

  // --- drawing the timeline ------------------------------------------------

  renderAt(index) {
    const entries = this.timeline.entries;
    const entry = entries[index];
    entry.el = entry.kind === "system" ? h("li", { className: `sys ${entry.className || ""}`.trim(), text: entry.text }) : this.messageItem(entry);
    const next = entries[index + 1];
    this.log.insertBefore(entry.el, next ? next.el : null);
    this.regroup(index);
    this.regroup(index + 1);
  }

  regroup(index) {
    const entry = this.timeline.entries[index];
    if (entry && entry.kind !== "system") entry.el.classList.toggle("is-continued", this.timeline.continues(index));
  }

  removeEntry(key) {
    const entry = this.timeline.get(key);
    if (!entry) return;
    const index = this.timeline.remove(key);
    entry.el.remove();
    this.regroup(index);
  }

  messageItem(entry) {
    const { message } = entry;
    const pending = entry.kind === "pending";
    const sender = message.sender || { id: "", name: "" };
    const bot = message.bot || (sender.bot && sender.id !== this.me.id);
    return h(
      "li",
      {
        className: `msg${pending ? " is-pending" : ""}${bot ? " is-bot" : ""}${sender.id === this.me.id ? " is-mine" : ""}`,
        dataset: pending ? { clientId: message.clientId } : { seq: String(message.seq) },
      },
      h("div", { className: "msg__head" },
        h("span", { className: "msg__sender", text: `${sender.name} says:` }),
        bot ? h("span", { className: "msg__bot", text: "bot", title: `An automatic reply from a bot (@${sender.id})` }) : null,
        bot ? h("span", { className: "handle", text: `@${sender.id}` }) : null,
        h("time", { className: "msg__time", datetime: new Date(message.ts).toISOString(), text: clockTime(message.ts) }),
        pending ? h("span", { className: "msg__state", text: "sending…" }) : null),
      h("p", { className: "msg__text" }, renderText(message.text || "")),
    );
  }

  atBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight <= AT_BOTTOM_PX;
  }

  setNewBelow(count) {
    this.newBelow = count;
    this.jumpButton.hidden = count === 0;
    this.jumpButton.textContent = count === 1 ? "1 new message ↓" : `${count} new messages ↓`;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
    this.setNewBelow(0);
  }

  // --- people in the room ---------------------------------------------------

  onJoin(user, joined) {
    if (!user) return;
    const known = this.members.has(user.id);
    if (joined) this.members.set(user.id, user);
    else this.members.delete(user.id);
    this.renderMembers();
    if (this.partnerId) {
      this.renderTitle();
      return;
    }
    if (joined !== known) this.systemLine(`${user.name} has ${joined ? "joined" : "left"} the conversation.`, "sys--join");
  }

  renderMembers() {
    const panel = $(".conv__members", this.el);
    panel.hidden = Boolean(this.partnerId);
    if (this.partnerId) return;
    const people = [...this.members.values()].sort((a, b) => Number(a.bot) - Number(b.bot) || a.name.localeCompare(b.name));
    $(".conv__member-count", this.el).textContent = people.length === 1 ? "1 person here" : `${people.length} people here`;
    $(".conv__member-list", this.el).replaceChildren(
      ...people.map((user) =>
        h("li", { className: "member", "data-user": user.id },
          statusIcon(user.status),
          h("span", { className: "member__name", text: user.id === this.me.id ? `${user.name} (you)` : nameWithStatus(user) }),
          user.bot ? h("span", { className: "msg__bot", text: "bot" }) : null,
          user.bot ? h("span", { className: "handle", text: `@${user.id}` }) : null)),
    );
  }

  // --- typing, nudges, winks ----------------------------------------------

  onTyping(frame) {
    if (!frame.user || frame.user.id === this.me.id) return;
    if (frame.typing) {
      clearTimeout((this.typers.get(frame.user.id) || {}).timer);
      const timer = setTimeout(() => this.stopTyping(frame.user.id), TYPING_FALLBACK_MS);
      this.typers.set(frame.user.id, { name: frame.user.name, timer });
      this.renderTyping();
    } else {
      this.stopTyping(frame.user.id);
    }
  }

  stopTyping(userId) {
    const typer = this.typers.get(userId);
    if (!typer) return;
    clearTimeout(typer.timer);
    this.typers.delete(userId);
    this.renderTyping();
  }

  renderTyping() {
    this.typingEl.textContent = typingText([...this.typers.values()].map((typer) => typer.name));
  }

  onNudge(frame) {
    const mine = frame.sender && frame.sender.id === this.me.id;
    this.systemLine(mine ? "You have just sent a nudge." : `${frame.sender.name} has just sent you a nudge.`, "sys--nudge");
    const reduced = prefersReducedMotion();
    shake(this.el, reduced);
    if (!mine) shake(document.getElementById("main-window"), reduced);
    nudgeBuzz();
    if (!mine && !this.isRead()) this.app.flashTitle(`${frame.sender.name} sent a nudge!`);
  }

  onWink(frame) {
    const wink = this.app.winks.find((candidate) => candidate.id === frame.winkId);
    const who = frame.sender && frame.sender.id === this.me.id ? "You" : frame.sender.name;
    this.systemLine(`${who} sent a wink: ${wink ? wink.name : frame.winkId}`, "sys--wink");
    if (!wink) return;
    const startIn = Math.max(0, this.socket.clock.toLocal(frame.playAt || Date.now()) - Date.now());
    setTimeout(() => this.playWink(wink), startIn);
  }

  playWink(wink) {
    const stage = $(".conv__stage", this.el);
    const image = h("img", { className: "wink-anim", src: wink.url, alt: `Wink: ${wink.name}`, "data-wink": wink.id });
    stage.replaceChildren(image);
    stage.classList.add("is-playing");
    clearTimeout(this.winkTimer);
    this.winkTimer = setTimeout(() => {
      stage.classList.remove("is-playing");
      stage.replaceChildren();
    }, wink.durationMs || 3000);
  }

  onError(frame) {
    const wait = frame.retryAfterMs ? ` Please ${retryText(frame.retryAfterMs)}.` : "";
    const entry = frame.clientId && this.timeline.get(`c${frame.clientId}`);
    if (entry) {
      // Refused for good (too long, muted, forbidden…): it leaves the outbox
      // and stays on screen struck through, so the person sees what was lost.
      this.app.outbox.settle(this.roomId, frame.clientId);
      entry.el.classList.replace("is-pending", "is-failed");
      $(".msg__state", entry.el).textContent = "not sent";
    }
    const words = frame.code === ERROR.FORBIDDEN && this.partnerId ? `You can't send messages to ${this.title} now.` : frame.message || frame.code;
    this.showError(`${words}${wait}`);
  }

  onState(state) {
    if (state !== "open") this.welcomed = false;
    const reconnecting = state === "reconnecting" || state === "connecting";
    this.statusEl.hidden = !reconnecting;
    this.statusEl.textContent = state === "reconnecting" ? "Connection lost. Reconnecting… Messages you send will go out when it is back." : "Connecting…";
    this.el.classList.toggle("is-offline", state === "reconnecting");
  }

  onRefused(code) {
    if (code === CLOSE.UNAUTHENTICATED) {
      this.app.socketUnauthenticated(this.socket);
      return;
    }
    this.showError(REFUSALS[code] || `The server closed this conversation (code ${code}). Close the window and open it again.`);
  }

  // --- window state -------------------------------------------------------

  showError(text) {
    this.errorEl.textContent = text;
    this.errorEl.hidden = false;
  }

  clearError() {
    this.errorEl.textContent = "";
    this.errorEl.hidden = true;
  }

  // Read means: in front, in a focused and visible page.
  isRead() {
    return this.el.classList.contains("is-active") && document.hasFocus() && !document.hidden;
  }

  showUnread(count) {
    const badge = $(".conv__unread", this.el);
    badge.textContent = count ? String(count) : "";
    badge.hidden = !count;
    badge.setAttribute("aria-label", count === 1 ? "1 unread message" : `${count} unread messages`);
    this.el.classList.toggle("has-unread", count > 0);
  }

  markRead() {
    if (!this.welcomed) return;
    const seq = this.timeline.lastSeq;
    if (seq > this.lastReadSent && this.socket.send({ type: "read", seq })) this.lastReadSent = seq;
    this.app.readUpTo(this.roomId, seq);
  }

  focus() {
    raise(this.el);
    this.input.focus();
  }

  close() {
    this.socket.stop();
    this.typers.forEach((typer) => clearTimeout(typer.timer));
    clearTimeout(this.winkTimer);
    this.el.remove();
  }
}
