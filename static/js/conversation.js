// One conversation window, laid out as MSN Messenger 7.5's: a DM, a group
// conversation (gc_) or a public room, its socket, and what it shows.
// What the window shows lives in `this.timeline` (and who is here in
// `this.members`, who belongs to a group in `this.people`); the DOM is drawn
// from them, never read back as state.
import * as api from "./api.js";
import { $, announce, h, prefersReducedMotion } from "./dom.js";
import { CLOSE, ERROR, MAX_CHAT_CHARS } from "./lib/codes.js";
import { EMOTICONS, emoticonUrl, parseMessage } from "./lib/emoticons.js";
import {
  DEFAULT_STYLE, STATUS_LABELS, clockTime, dmPartnerName, groupTitle, isGroupRoom, lastReceivedText,
  nameWithStatus, retryText, safeStyle, styleToSend, typingText,
} from "./lib/format.js";
import { clientIdFactory } from "./lib/outbox.js";
import { Timeline } from "./lib/timeline.js";
import { onPrefChange, pref } from "./prefs.js";
import { LiveSocket } from "./socket.js";
import { statusIcon } from "./status.js";
import { nudgeBuzz } from "./sound.js";
import { makeWindow, minimise, place, raise, restore, setBehind, shake, unstrip } from "./windows.js";

const TYPING_RENEW_MS = 2000;
// The server ends typing after 3 s; this is only a fallback if that frame is lost.
const TYPING_FALLBACK_MS = 6000;
const HISTORY_PAGE = 50;
// The character counter shows from here on, before the limit is reached.
const COUNTER_FROM = MAX_CHAT_CHARS - 248;
// A reader this close to the bottom is "at the bottom" and follows new messages.
const AT_BOTTOM_PX = 32;
// Columns of the emoticon picker (the arrow keys move by these).
const PICKER_COLUMNS = 10;
const BUDDY = "/static/img/buddy.svg";

const nextClientId = clientIdFactory(`w${Math.random().toString(36).slice(2, 8)}`);
const thousands = new Intl.NumberFormat("en");

// A picture is a path on this server (docs/PROTOCOL.md, the User object).
const pictureOf = (user) => (user && typeof user.avatar === "string" && /^\/(?!\/)/.test(user.avatar) ? user.avatar : BUDDY);

// Message text as nodes: emoticons as pictures (unless the person turned
// them off), http(s) links as links, everything else as text.
export function renderText(text, { links = true } = {}) {
  return parseMessage(text, { emoticons: pref("showEmoticons"), links }).map((part) => {
    if (part.type === "emoticon") return h("img", { className: "emoticon", src: emoticonUrl(part.name), alt: part.code, title: part.label });
    if (part.type === "link") return h("a", { href: part.href, target: "_blank", rel: "noopener noreferrer nofollow", text: part.text });
    return document.createTextNode(part.text);
  });
}

// A display name with its emoticons drawn (never links).
const renderName = (name) => renderText(name, { links: false });

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
    this.isGroup = isGroupRoom(roomId);
    this.opener = opener;
    this.timeline = new Timeline();
    this.members = new Map();
    // A group's members, whether or not they have the window open.
    const known = app.groups.get(roomId);
    this.people = new Map(((known && known.members) || []).map((user) => [user.id, user]));
    this.typers = new Map();
    this.hasMore = false;
    this.welcomed = false;
    this.newBelow = 0;
    this.lastReadSent = 0;
    this.lastTypingSent = 0;
    this.lastReceived = null;
    // One font style per message, kept for this window (MSN's "Change font").
    this.style = { ...DEFAULT_STYLE };
    this.stripButton = null;

    this.el = document.getElementById("tpl-conversation").content.firstElementChild.cloneNode(true);
    this.el.dataset.room = roomId;
    this.el.dataset.kind = this.partnerId ? "dm" : this.isGroup ? "group" : "room";
    this.titleEl = $(".xp-titlebar__text", this.el);
    this.log = $(".conv__log", this.el);
    this.input = $(".conv__input", this.el);
    this.errorEl = $(".conv__error", this.el);
    this.typingEl = $(".conv__statusbar", this.el);
    this.statusEl = $(".conv__status", this.el);
    this.moreButton = $(".conv__more", this.el);
    this.jumpButton = $(".conv__jump", this.el);
    this.counterEl = $(".conv__counter", this.el);
    this.picker = $(".conv__winks", this.el);
    this.emoticonPicker = $(".conv__emoticons", this.el);
    this.invitePicker = $(".conv__invite", this.el);
    this.suggestions = $(".conv__suggest", this.el);
    $(".conv__invite-toggle", this.el).hidden = !(this.partnerId || this.isGroup);
    $(".conv__leave", this.el).hidden = !this.isGroup;
    $(".conv__pics", this.el).hidden = !(this.partnerId || this.isGroup);
    this.setTitle(title);
    this.wire();
    this.renderPeople();
    document.getElementById("desktop").append(this.el);
    place(this.el);
    if (background) setBehind(this.el);
    else raise(this.el);
    this.app.outbox.list(roomId).forEach((frame) => this.showPending(frame));
    this.stopPrefs = onPrefChange((name) => name === "showEmoticons" && this.redraw());
    if (this.isGroup) this.loadGroup();

    this.socket = new LiveSocket(`/api/ws/room/${encodeURIComponent(roomId)}`, { since: () => this.timeline.lastSeq });
    this.socket.addEventListener("frame", (event) => this.onFrame(event.detail));
    this.socket.addEventListener("state", (event) => this.onState(event.detail));
    this.socket.addEventListener("refused", (event) => this.onRefused(event.detail.code));
    this.socket.start();
  }

  // The title stays plain text (the page's own title and the strip show it too).
  setTitle(title) {
    this.title = title;
    this.titleEl.textContent = `${title} - Conversation`;
    this.el.setAttribute("aria-label", `Conversation with ${title}`);
    if (this.stripButton) this.paintStrip();
  }

  wire() {
    makeWindow(this.el, { onClose: () => this.app.closeConversation(this.roomId), onEscape: () => this.closePopup() });
    $(".xp-min", this.el).addEventListener("click", () => this.minimise());
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
    $(".conv__emoticon-toggle", this.el).addEventListener("click", () => this.toggleEmoticons());
    this.emoticonPicker.addEventListener("keydown", (event) => this.pickerKeys(event));
    $(".conv__invite-toggle", this.el).addEventListener("click", () => this.toggleInvite());
    $(".conv__leave", this.el).addEventListener("click", () => this.app.leaveConversation(this));
    $(".conv__color", this.el).addEventListener("input", (event) => this.setStyle({ color: event.target.value }));
    $(".conv__bold", this.el).addEventListener("click", () => this.setStyle({ bold: !this.style.bold }));
    $(".conv__italic", this.el).addEventListener("click", () => this.setStyle({ italic: !this.style.italic }));
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
    const popups = [
      [this.picker, ".conv__wink-toggle"],
      [this.emoticonPicker, ".conv__emoticon-toggle"],
      [this.invitePicker, ".conv__invite-toggle"],
    ];
    for (const [popup, toggle] of popups) {
      if (!popup.hidden) {
        this.hidePopup(popup, toggle);
        $(toggle, this.el).focus();
        return true;
      }
    }
    return false;
  }

  hidePopup(popup, toggle) {
    popup.hidden = true;
    $(toggle, this.el).setAttribute("aria-expanded", "false");
  }

  // --- the font, as MSN had it: one colour and weight per message -------------

  setStyle(change) {
    this.style = { ...this.style, ...change };
    $(".conv__bold", this.el).setAttribute("aria-pressed", String(this.style.bold));
    $(".conv__italic", this.el).setAttribute("aria-pressed", String(this.style.italic));
    $(".conv__color", this.el).value = this.style.color;
    this.input.style.color = this.style.color;
    this.input.style.fontWeight = this.style.bold ? "bold" : "";
    this.input.style.fontStyle = this.style.italic ? "italic" : "";
  }

  // --- emoticons ------------------------------------------------------------

  toggleEmoticons() {
    const toggle = $(".conv__emoticon-toggle", this.el);
    if (!this.emoticonPicker.hidden) {
      this.hidePopup(this.emoticonPicker, ".conv__emoticon-toggle");
      return;
    }
    if (!this.emoticonPicker.firstChild) {
      this.emoticonPicker.append(
        ...EMOTICONS.map((emoticon) => {
          const code = emoticon.codes[0];
          const tip = `${emoticon.label} ${code}`;
          const button = h("button", { type: "button", className: "emo-choice", title: tip, "aria-label": tip, "data-code": code },
            h("img", { src: emoticonUrl(emoticon.name), alt: "" }));
          button.addEventListener("click", () => this.insertEmoticon(code));
          return button;
        }),
      );
    }
    this.emoticonPicker.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    this.emoticonPicker.querySelector("button").focus();
  }

  // Arrow keys move through the grid; Home and End go to its ends.
  pickerKeys(event) {
    const buttons = [...this.emoticonPicker.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -PICKER_COLUMNS, ArrowDown: PICKER_COLUMNS, Home: -at, End: buttons.length - 1 - at };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = Math.min(buttons.length - 1, Math.max(0, at + moves[event.key]));
    buttons[next].focus();
  }

  // The shortcut goes in at the caret, with spaces so it stands alone.
  insertEmoticon(code) {
    this.hidePopup(this.emoticonPicker, ".conv__emoticon-toggle");
    const { selectionStart: start, selectionEnd: end, value } = this.input;
    const before = start > 0 && !/\s/.test(value[start - 1]) ? " " : "";
    const after = end < value.length && !/\s/.test(value[end]) ? " " : "";
    this.input.focus();
    this.input.setRangeText(`${before}${code}${after}`, start, end, "end");
    this.typed();
  }

  // --- inviting someone (MSN's "Invite someone to this conversation") -------

  toggleInvite() {
    const toggle = $(".conv__invite-toggle", this.el);
    if (!this.invitePicker.hidden) {
      this.hidePopup(this.invitePicker, ".conv__invite-toggle");
      return;
    }
    const here = new Set([this.me.id, this.partnerId, ...this.people.keys()]);
    const candidates = this.app.inviteCandidates().filter((user) => !here.has(user.id));
    $(".conv__invite-list", this.invitePicker).replaceChildren(
      ...candidates.map((user) => {
        const button = h("button", { type: "button", className: "list-btn", "data-user": user.id },
          statusIcon(user.status), h("span", { className: "list-btn__name" }, renderName(nameWithStatus(user))),
          user.bot ? h("span", { className: "handle", text: `@${user.id}` }) : null);
        button.addEventListener("click", () => {
          this.hidePopup(this.invitePicker, ".conv__invite-toggle");
          this.input.focus();
          this.app.invite(this, user);
        });
        return h("li", {}, button);
      }),
    );
    if (!candidates.length) $(".conv__invite-list", this.invitePicker).append(h("li", { text: "Everyone on your contact list is already here." }));
    this.invitePicker.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    (this.invitePicker.querySelector("button") || toggle).focus();
  }

  async loadGroup() {
    try {
      const { room } = await api.get(`/api/conversations/${encodeURIComponent(this.roomId)}`);
      this.app.rememberGroup(room);
    } catch (error) {
      // The socket says the same (4403 / 4404) in the window's own words.
      if (error.status !== 403 && error.status !== 404) this.showError(error.message);
    }
  }

  groupLoaded(room) {
    this.people = new Map((room.members || []).map((user) => [user.id, this.app.knownUser(user.id) || user]));
    this.renderPeople();
  }

  onMember(frame) {
    const { user } = frame;
    if (!user) return;
    if (frame.change === "added") {
      this.people.set(user.id, this.app.knownUser(user.id) || user);
      const by = frame.by && frame.by.id === this.me.id ? "you" : frame.by ? frame.by.name : "";
      this.systemLine(`${user.name} has joined the conversation${by ? ` (invited by ${by})` : ""}.`, "sys--join");
    } else if (frame.change === "left") {
      this.people.delete(user.id);
      this.systemLine(`${user.name} has left the conversation.`, "sys--join");
    }
    this.renderPeople();
  }

  // --- minimising -------------------------------------------------------------

  minimise() {
    if (this.stripButton) return;
    this.closePopup();
    this.stripButton = minimise(this.el, { onRestore: () => this.restore() });
    this.paintStrip();
    this.stripButton.focus();
  }

  restore() {
    restore(this.el, this.stripButton);
    this.stripButton = null;
    this.input.focus();
  }

  paintStrip() {
    const count = this.app.unread.count(this.roomId);
    const label = count ? `${this.title} - Conversation, ${count === 1 ? "1 unread message" : `${count} unread messages`}` : `${this.title} - Conversation`;
    this.stripButton.setAttribute("aria-label", `Restore ${label}`);
    this.stripButton.title = label;
    this.stripButton.classList.toggle("has-unread", count > 0);
    this.stripButton.replaceChildren(
      h("img", { className: "xp-titlebar__icon", src: BUDDY, alt: "" }),
      h("span", { className: "taskbar__title", text: this.title }),
      count ? h("span", { className: "badge taskbar__unread", text: String(count) }) : null,
    );
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
    const style = styleToSend(this.style);
    if (style) frame.style = style;
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
      member: () => this.onMember(frame),
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
    this.renderPeople();
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

  // Who the window is with: the partner of a DM (as the contact list knows
  // them, live), the other members of a group, nobody in particular in a room.
  partner() {
    if (!this.partnerId) return null;
    return this.app.knownUser(this.partnerId) || this.members.get(this.partnerId) || null;
  }

  others() {
    if (this.partnerId) {
      const partner = this.partner();
      return partner ? [partner] : [{ id: this.partnerId, name: this.title, status: "offline" }];
    }
    return [...this.people.values()].filter((user) => user.id !== this.me.id).sort((a, b) => a.name.localeCompare(b.name));
  }

  // Title, To: line, pictures and member list: everything drawn from who is in the window.
  renderPeople() {
    if (this.partnerId) {
      const partner = this.partner();
      if (partner) this.setTitle(partner.name);
    } else if (this.isGroup) {
      if (this.people.size) this.setTitle(groupTitle([...this.people.values()], this.me.id));
    } else if (this.roomName) {
      this.setTitle(this.roomName);
    }
    this.renderTo();
    this.renderPictures();
    this.renderMembers();
  }

  renderTo() {
    const names = $(".conv__to-names", this.el);
    if (!this.partnerId && !this.isGroup) {
      names.replaceChildren(h("span", { className: "conv__to-name", text: this.title }));
      return;
    }
    const people = this.others();
    names.replaceChildren(
      ...people.flatMap((user, index) => [
        ...(index ? [", "] : []),
        h("span", { className: "conv__to-name", "data-user": user.id }, renderName(user.name)),
        " ",
        h("span", { className: "conv__to-status", text: `<${STATUS_LABELS[user.status] || STATUS_LABELS.offline}>` }),
      ]),
    );
  }

  // MSN 7.5: the other person's picture at the top, yours at the bottom. In a
  // group the top one is whoever wrote last (or the first member).
  renderPictures() {
    const top = $(".conv__pic--partner", this.el);
    const people = this.others();
    const shown = (this.lastSpeaker && people.find((user) => user.id === this.lastSpeaker)) || people[0];
    top.src = pictureOf(shown);
    top.alt = shown ? `Display picture of ${shown.name}` : "";
    $(".conv__pic--me", this.el).src = pictureOf(this.me);
  }

  // A contact's name, picture or status changed (the presence socket).
  contactChanged(user) {
    if (this.members.has(user.id)) this.members.set(user.id, { ...this.members.get(user.id), ...user });
    if (this.people.has(user.id)) this.people.set(user.id, { ...this.people.get(user.id), ...user });
    if (user.id === this.partnerId || this.people.has(user.id) || this.members.has(user.id)) this.renderPeople();
  }

  meChanged(me) {
    this.me = { ...this.me, ...me };
    if (this.people.has(me.id)) this.people.set(me.id, this.me);
    this.renderPictures();
  }

  // Everything drawn from names and texts, again (the emoticon switch changed).
  redraw() {
    this.timeline.entries.forEach((entry, index) => {
      const old = entry.el;
      this.draw(entry);
      old.replaceWith(entry.el);
      this.regroup(index);
    });
    this.renderPeople();
  }

  onChat(message, { live = true } = {}) {
    const mine = Boolean(message.sender && message.sender.id === this.me.id);
    if (mine && message.clientId) this.settle(message.clientId);
    const wasAtBottom = this.atBottom();
    const index = this.timeline.addChat(message);
    if (index < 0) return;
    this.renderAt(index);
    if (!mine && message.sender && message.ts && (!this.lastReceived || message.ts >= this.lastReceived)) {
      this.lastReceived = message.ts;
      if (this.lastSpeaker !== message.sender.id && this.isGroup) {
        this.lastSpeaker = message.sender.id;
        this.renderPictures();
      }
      this.renderTyping();
    }
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
    const index = this.timeline.addPending({ clientId: frame.clientId, text: frame.text, style: frame.style, sender: this.me, ts: Date.now() });
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
    this.draw(entry);
    const next = entries[index + 1];
    this.log.insertBefore(entry.el, next ? next.el : null);
    this.regroup(index);
    this.regroup(index + 1);
  }

  draw(entry) {
    entry.el = entry.kind === "system" ? h("li", { className: `sys ${entry.className || ""}`.trim(), text: entry.text }) : this.messageItem(entry);
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
        h("span", { className: "msg__sender" }, renderName(sender.name), " says:"),
        bot ? h("span", { className: "msg__bot", text: "bot", title: `An automatic reply from a bot (@${sender.id})` }) : null,
        bot ? h("span", { className: "handle", text: `@${sender.id}` }) : null,
        h("time", { className: "msg__time", datetime: new Date(message.ts).toISOString(), text: clockTime(message.ts) }),
        pending ? h("span", { className: "msg__state", text: "sending…" }) : null),
      this.styledText(message),
    );
  }

  // The sender's font: a colour only as #RRGGBB, set through the CSSOM.
  styledText(message) {
    const text = h("p", { className: "msg__text" }, renderText(message.text || ""));
    const style = safeStyle(message.style);
    if (style) {
      if (style.color) text.style.color = style.color;
      if (style.bold) text.style.fontWeight = "bold";
      if (style.italic) text.style.fontStyle = "italic";
    }
    return text;
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
    if (this.partnerId || this.isGroup) {
      // Who has the window open; membership itself comes as `member` frames.
      this.renderPeople();
      return;
    }
    this.renderMembers();
    if (joined !== known) this.systemLine(`${user.name} has ${joined ? "joined" : "left"} the conversation.`, "sys--join");
  }

  renderMembers() {
    const panel = $(".conv__members", this.el);
    panel.hidden = Boolean(this.partnerId);
    if (this.partnerId) return;
    const people = [...(this.isGroup ? this.people : this.members).values()].sort((a, b) => Number(a.bot) - Number(b.bot) || a.name.localeCompare(b.name));
    const noun = this.isGroup ? ["1 person in this conversation", "people in this conversation"] : ["1 person here", "people here"];
    $(".conv__member-count", this.el).textContent = people.length === 1 ? noun[0] : `${people.length} ${noun[1]}`;
    $(".conv__member-list", this.el).replaceChildren(
      ...people.map((user) =>
        h("li", { className: "member", "data-user": user.id },
          statusIcon(user.status),
          h("span", { className: "member__name" }, renderName(user.id === this.me.id ? `${user.name} (you)` : nameWithStatus(user))),
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

  // The status bar: who is typing, otherwise when the last message came.
  renderTyping() {
    const typing = typingText([...this.typers.values()].map((typer) => typer.name));
    this.typingEl.textContent = typing || (this.lastReceived ? lastReceivedText(this.lastReceived) : "");
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
    if (this.stripButton) this.paintStrip();
  }

  markRead() {
    if (!this.welcomed) return;
    const seq = this.timeline.lastSeq;
    if (seq > this.lastReadSent && this.socket.send({ type: "read", seq })) this.lastReadSent = seq;
    this.app.readUpTo(this.roomId, seq);
  }

  focus() {
    if (this.stripButton) this.restore();
    raise(this.el);
    this.input.focus();
  }

  close() {
    this.socket.stop();
    this.stopPrefs();
    unstrip(this.stripButton);
    this.typers.forEach((typer) => clearTimeout(typer.timer));
    clearTimeout(this.winkTimer);
    this.el.remove();
  }
}
