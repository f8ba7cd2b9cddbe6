// One conversation window: a DM or a room, its socket, and what it shows.
import { $, announce, h, prefersReducedMotion } from "./dom.js";
import { emoticonUrl, parseEmoticons } from "./lib/emoticons.js";
import { clockTime, retryText, sameGroup, typingText } from "./lib/format.js";
import { PendingQueue, clientIdFactory } from "./lib/pending.js";
import { SeqLog } from "./lib/seqlog.js";
import { LiveSocket } from "./socket.js";
import { messageDing, nudgeBuzz } from "./sound.js";
import { makeWindow, place, raise, shake } from "./windows.js";

const TYPING_RENEW_MS = 2000;
// The server ends typing after 3 s; this is only a fallback if that frame is lost.
const TYPING_FALLBACK_MS = 6000;
const HISTORY_PAGE = 50;

const nextClientId = clientIdFactory(`w${Math.random().toString(36).slice(2, 8)}`);

export function renderText(text) {
  return parseEmoticons(text).map((part) =>
    part.type === "text"
      ? document.createTextNode(part.text)
      : h("img", { className: "emoticon", src: emoticonUrl(part.name), alt: part.code, title: part.label }),
  );
}

export class Conversation {
  constructor({ roomId, title, app }) {
    this.roomId = roomId;
    this.app = app;
    this.me = app.me;
    this.seqLog = new SeqLog();
    this.pending = new PendingQueue();
    this.messages = new WeakMap();
    this.typers = new Map();
    this.unread = 0;
    this.hasMore = false;
    this.lastTypingSent = 0;

    this.el = document.getElementById("tpl-conversation").content.firstElementChild.cloneNode(true);
    this.el.dataset.room = roomId;
    this.titleEl = $(".xp-titlebar__text", this.el);
    this.setTitle(title);
    this.log = $(".conv__log", this.el);
    this.input = $(".conv__input", this.el);
    this.errorEl = $(".conv__error", this.el);
    this.typingEl = $(".conv__typing", this.el);
    this.statusEl = $(".conv__status", this.el);
    this.moreButton = $(".conv__more", this.el);
    this.wire();
    document.getElementById("desktop").append(this.el);
    place(this.el);
    raise(this.el);

    this.socket = new LiveSocket(`/api/ws/room/${encodeURIComponent(roomId)}`, { since: () => this.seqLog.lastSeq });
    this.socket.addEventListener("frame", (event) => this.onFrame(event.detail));
    this.socket.addEventListener("state", (event) => this.onState(event.detail));
    this.socket.addEventListener("refused", (event) => this.onRefused(event.detail.code));
    this.socket.start();
  }

  setTitle(title) {
    this.title = title;
    this.titleEl.textContent = `${title} - Conversation`;
    this.el.setAttribute("aria-label", `Conversation: ${title}`);
  }

  wire() {
    makeWindow(this.el, { onClose: () => this.app.closeConversation(this.roomId) });
    $(".conv__compose", this.el).addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendChat();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendChat();
      }
    });
    this.input.addEventListener("input", () => this.typed());
    $(".conv__nudge", this.el).addEventListener("click", () => this.sendNudge());
    $(".conv__wink-toggle", this.el).addEventListener("click", () => this.toggleWinks());
    this.moreButton.addEventListener("click", () => this.loadEarlier());
    this.log.addEventListener("scroll", () => {
      if (this.log.scrollTop === 0 && this.hasMore) this.loadEarlier();
    });
    this.el.addEventListener("raised", () => this.markRead());
  }

  // --- sending ------------------------------------------------------------

  sendChat() {
    const text = this.input.value.trim();
    if (!text) return;
    const frame = { type: "chat", clientId: nextClientId(), text };
    this.pending.add(frame);
    this.log.append(this.messageItem({ text, sender: this.me, ts: Date.now(), clientId: frame.clientId }, true));
    this.scrollToEnd();
    this.input.value = "";
    this.lastTypingSent = 0;
    this.socket.send(frame);
  }

  typed() {
    const now = Date.now();
    if (this.input.value.trim() && now - this.lastTypingSent > TYPING_RENEW_MS) {
      this.lastTypingSent = now;
      this.socket.send({ type: "typing", typing: true });
    }
  }

  sendNudge() {
    this.clearError();
    if (!this.socket.send({ type: "nudge", clientId: nextClientId() })) this.showError("Not connected; the nudge was not sent.");
  }

  toggleWinks() {
    const picker = $(".conv__winks", this.el);
    if (!picker.hidden) {
      picker.hidden = true;
      return;
    }
    picker.replaceChildren(
      ...this.app.winks.map((wink) => {
        const button = h("button", { type: "button", className: "wink-choice", title: wink.name, "data-wink": wink.id },
          h("img", { src: wink.url, alt: "" }), wink.name);
        button.addEventListener("click", () => {
          picker.hidden = true;
          this.clearError();
          this.socket.send({ type: "wink", clientId: nextClientId(), winkId: wink.id });
        });
        return button;
      }),
    );
    if (!this.app.winks.length) picker.append(h("p", { text: "No winks on this server." }));
    picker.hidden = false;
  }

  loadEarlier() {
    if (this.loadingEarlier || !this.seqLog.firstSeq) return;
    this.loadingEarlier = this.socket.send({ type: "history", before: this.seqLog.firstSeq, limit: HISTORY_PAGE });
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
      delete: () => this.onDelete(frame),
      error: () => this.onError(frame),
    }[frame.type];
    if (handler) handler();
  }

  onWelcome(frame) {
    if (frame.you) this.me = frame.you;
    if (frame.room) {
      const other = (frame.members || []).find((member) => member.id !== this.me.id);
      if (frame.room.kind === "dm" && other) this.setTitle(other.name);
      else if (frame.room.name) this.setTitle(frame.room.name);
      $(".conv__topic", this.el).textContent = frame.room.topic || "";
    }
    const history = frame.history || [];
    history.forEach((message) => this.addMessage(message, { live: false }));
    if (this.seqLog.firstSeq > 1 || (!history.length && frame.lastSeq > this.seqLog.lastSeq)) this.hasMore = true;
    this.moreButton.hidden = !this.hasMore;
    // Anything still pending was not acknowledged before the drop: send it
    // again with the same clientId (the server stores it at most once).
    this.pending.toResend().forEach((pendingFrame) => this.socket.send(pendingFrame));
    this.scrollToEnd();
  }

  onChat(message) {
    if (message.clientId && message.sender && message.sender.id === this.me.id) this.settle(message.clientId);
    this.addMessage(message, { live: true });
  }

  onAck(frame) {
    const sent = this.pending.settle(frame.clientId);
    this.removePendingItem(frame.clientId);
    // The ack can come before (or instead of) our own chat frame: show the
    // message now; the chat frame with the same seq is then a duplicate.
    if (sent && !this.seqLog.has(frame.seq)) {
      this.addMessage({ seq: frame.seq, text: sent.text, sender: this.me, ts: Date.now(), clientId: sent.clientId }, { live: false });
    }
  }

  settle(clientId) {
    this.pending.settle(clientId);
    this.removePendingItem(clientId);
  }

  removePendingItem(clientId) {
    const item = this.log.querySelector(`li.is-pending[data-client-id="${CSS.escape(clientId)}"]`);
    if (item) item.remove();
  }

  onHistory(frame) {
    this.loadingEarlier = false;
    const keepFromBottom = this.log.scrollHeight - this.log.scrollTop;
    (frame.messages || []).forEach((message) => this.addMessage(message, { live: false }));
    this.hasMore = Boolean(frame.hasMore);
    this.moreButton.hidden = !this.hasMore;
    this.log.scrollTop = this.log.scrollHeight - keepFromBottom;
  }

  addMessage(message, { live }) {
    const index = this.seqLog.insert(message.seq);
    if (index < 0) return;
    const item = this.messageItem(message, false);
    const after = [...this.log.querySelectorAll("li[data-seq]")].find((li) => Number(li.dataset.seq) > message.seq);
    const firstPending = this.log.querySelector("li.is-pending");
    this.log.insertBefore(item, after || firstPending || null);
    this.regroup(item);
    if (item.nextElementSibling) this.regroup(item.nextElementSibling);
    if (!live) return;
    this.scrollToEnd();
    this.stopTyping(message.sender && message.sender.id);
    if (message.sender && message.sender.id !== this.me.id) {
      announce(`${message.sender.name} says: ${message.text}`);
      if (this.isActive()) {
        this.markRead();
      } else {
        this.unread += 1;
        this.showUnread();
        messageDing();
        this.app.flashTitle(`${message.sender.name} says…`);
      }
    }
  }

  messageItem(message, pending) {
    const sender = message.sender || { id: "", name: "" };
    const item = h(
      "li",
      {
        className: `msg${pending ? " is-pending" : ""}${message.bot ? " is-bot" : ""}${sender.id === this.me.id ? " is-mine" : ""}`,
        dataset: pending ? { clientId: message.clientId } : { seq: String(message.seq) },
      },
      h("div", { className: "msg__head" },
        h("span", { className: "msg__sender", text: `${sender.name} says:` }),
        message.bot ? h("span", { className: "msg__bot", text: "bot", title: "An automatic reply from a bot" }) : null,
        h("time", { className: "msg__time", datetime: new Date(message.ts).toISOString(), text: clockTime(message.ts) }),
        pending ? h("span", { className: "msg__state", text: "sending…" }) : null),
      h("p", { className: "msg__text" }, renderText(message.text || "")),
    );
    this.messages.set(item, message);
    return item;
  }

  regroup(item) {
    const message = this.messages.get(item);
    let previous = item.previousElementSibling;
    while (previous && !this.messages.has(previous)) previous = previous.previousElementSibling;
    item.classList.toggle("is-continued", Boolean(message && previous && sameGroup(this.messages.get(previous), message)));
  }

  onDelete(frame) {
    const item = this.log.querySelector(`li[data-seq="${Number(frame.seq)}"]`);
    if (item) {
      const next = item.nextElementSibling;
      item.remove();
      if (next) this.regroup(next);
    }
  }

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

  systemLine(text, className = "") {
    this.log.append(h("li", { className: `sys ${className}`.trim(), text }));
    this.scrollToEnd();
  }

  onNudge(frame) {
    const mine = frame.sender && frame.sender.id === this.me.id;
    this.systemLine(mine ? "You have just sent a nudge." : `${frame.sender.name} has just sent you a nudge.`, "sys--nudge");
    const reduced = prefersReducedMotion();
    shake(this.el, reduced);
    if (!mine) shake(document.getElementById("main-window"), reduced);
    nudgeBuzz();
    if (!mine && !this.isActive()) this.app.flashTitle(`${frame.sender.name} sent a nudge!`);
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
    if (frame.clientId && this.pending.has(frame.clientId)) {
      this.pending.settle(frame.clientId);
      const item = this.log.querySelector(`li.is-pending[data-client-id="${CSS.escape(frame.clientId)}"]`);
      if (item) {
        item.classList.replace("is-pending", "is-failed");
        $(".msg__state", item).textContent = "not sent";
      }
    }
    this.showError(`${frame.message || frame.code}${wait}`);
  }

  onState(state) {
    const reconnecting = state === "reconnecting" || state === "connecting";
    this.statusEl.hidden = !reconnecting;
    this.statusEl.textContent = state === "reconnecting" ? "Connection lost. Reconnecting…" : "Connecting…";
    this.el.classList.toggle("is-offline", state === "reconnecting");
  }

  onRefused(code) {
    if (code === 4401) {
      this.app.sessionExpired();
      return;
    }
    const reason = {
      4403: "You can't join this conversation.",
      4404: "This room does not exist.",
      4000: "A moderator removed you from this room.",
    }[code];
    this.showError(reason || `The server closed this conversation (${code}).`);
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

  isActive() {
    return this.el.classList.contains("is-active") && document.hasFocus() && !document.hidden;
  }

  showUnread() {
    const badge = $(".conv__unread", this.el);
    badge.textContent = this.unread ? String(this.unread) : "";
    badge.hidden = !this.unread;
    this.el.classList.toggle("has-unread", this.unread > 0);
    this.app.setUnread(this.roomId, this.unread);
  }

  markRead() {
    const seq = this.seqLog.lastSeq;
    if (seq && seq !== this.lastReadSent && this.socket.send({ type: "read", seq })) this.lastReadSent = seq;
    if (!this.unread) return;
    this.unread = 0;
    this.showUnread();
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
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
