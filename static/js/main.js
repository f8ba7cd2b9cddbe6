// The web app: decides between the sign-in window and the main window, owns
// the open conversation windows, what is unread, the outbox, and how an
// incoming message gets the person's attention.
import * as api from "./api.js";
import { Conversation } from "./conversation.js";
import { ERROR } from "./lib/codes.js";
import { STATUS_LABELS, dmPartnerName, dmRoomId, errorWords, firstWords, groupTitle, isGroupRoom } from "./lib/format.js";
import { Outbox } from "./lib/outbox.js";
import { UnreadBook } from "./lib/unread.js";
import { MainWindow } from "./mainwindow.js";
import { loadPrefs } from "./prefs.js";
import { SignInWindow } from "./signin.js";
import { messageDing } from "./sound.js";
import { flashTitle, stopFlashing } from "./titleflash.js";

// The server's status words, when the page carries them (templates/messenger/app.html).
const serverStatuses = document.getElementById("statuses");
if (serverStatuses) {
  JSON.parse(serverStatuses.textContent).forEach(({ code, label }) => (STATUS_LABELS[code] = label));
}

class App {
  constructor() {
    this.conversations = new Map();
    // The group conversations (gc_) I am in, by id, as the server last told.
    this.groups = new Map();
    this.unread = new UnreadBook();
    this.winks = [];
    this.bots = [];
    // Nobody is signed in yet: a 401 now is not an "expired session".
    this.signedOut = true;
    this.signIn = new SignInWindow(this);
    this.main = new MainWindow(this);
    api.sessionEvents.addEventListener("expired", (event) => this.sessionExpired(event.detail));
    window.addEventListener("focus", () => this.readWhatIsInFront());
    document.addEventListener("visibilitychange", () => !document.hidden && this.readWhatIsInFront());
  }

  async boot() {
    try {
      const { user } = await api.get("/api/auth/me");
      this.signedIn(user);
    } catch {
      this.signIn.show();
    }
    document.body.classList.add("is-ready");
  }

  signedIn(user) {
    this.me = user;
    this.signedOut = false;
    loadPrefs(user.id);
    this.outbox = new Outbox(window.localStorage, user.id);
    this.main.start(user);
    this.main.focusList();
    this.loadWinks();
    this.loadBots();
    this.loadGroups();
    // Messages that waited in this browser since the last visit go out now.
    this.outbox.rooms().forEach((roomId) => this.openRoom(roomId, this.roomTitle(roomId), { background: true }));
  }

  // The group conversations I am in, so their windows have titles and
  // members before their sockets answer (and after a reload).
  async loadGroups() {
    try {
      const { conversations } = await api.get("/api/conversations");
      conversations.forEach((room) => this.rememberGroup(room));
    } catch {
      this.groups.clear();
    }
  }

  // A room with its members (the conversation endpoints' answers).
  rememberGroup(room) {
    this.groups.set(room.id, room);
    const conversation = this.conversations.get(room.id);
    if (conversation) conversation.groupLoaded(room);
  }

  async loadWinks() {
    try {
      this.winks = (await api.get("/api/winks")).winks;
    } catch {
      this.winks = [];
    }
  }

  async loadBots() {
    try {
      this.bots = (await api.get("/api/bots")).bots.map(({ user }) => user);
    } catch {
      this.bots = [];
    }
  }

  knownUser(id) {
    return this.main.knownUser(id) || this.bots.find((bot) => bot.id === id) || null;
  }

  roomTitle(roomId) {
    const group = this.groups.get(roomId);
    if (group) return groupTitle(group.members || [], this.me.id);
    if (isGroupRoom(roomId)) return "Group conversation";
    const partner = dmPartnerName(roomId, this.me.id);
    if (!partner) return roomId;
    const user = this.knownUser(partner);
    return user ? user.name : partner;
  }

  async openDm(user, opener = document.activeElement) {
    const guess = dmRoomId(this.me.id, user.id);
    if (this.conversations.has(guess)) {
      this.conversations.get(guess).focus();
      return;
    }
    try {
      const { room } = await api.post("/api/dm", { username: user.id });
      this.openRoom(room.id, user.name, { opener });
    } catch (error) {
      this.main.notice(error.code === ERROR.FORBIDDEN ? `You can't send messages to ${user.name}.` : error.message);
    }
  }

  // A window opened by the person takes the keyboard; one opened by an
  // incoming message (background) does not.
  openRoom(roomId, title, { background = false, opener = null } = {}) {
    let conversation = this.conversations.get(roomId);
    if (!conversation) {
      conversation = new Conversation({ roomId, title, app: this, background, opener });
      this.conversations.set(roomId, conversation);
      this.repaintUnread();
    }
    if (!background) conversation.focus();
    return conversation;
  }

  // --- group conversations (docs/PROTOCOL.md §9 item 26) ----------------------

  // Who I may ask into a conversation: my contacts but the people I blocked
  // (the server refuses other blocks with words the window shows), then the
  // bots, who answer there when @mentioned.
  inviteCandidates() {
    const contacts = [...this.main.contacts.values()].filter((user) => !this.main.blocked.has(user.id));
    return [...contacts, ...this.bots.filter((bot) => !this.main.contacts.has(bot.id))];
  }

  // From a DM, inviting starts a new group of the three; from a group, it adds.
  async invite(conversation, user) {
    conversation.clearError();
    try {
      if (conversation.isGroup) {
        const { room } = await api.post(`/api/conversations/${encodeURIComponent(conversation.roomId)}/members`, { username: user.id });
        this.rememberGroup(room);
      } else {
        const { room } = await api.post("/api/conversations", { members: [conversation.partnerId, user.id] });
        this.rememberGroup(room);
        this.openRoom(room.id, groupTitle(room.members || [], this.me.id));
      }
    } catch (error) {
      conversation.showError(`${user.name} could not be invited. ${errorWords(error.message)}`);
    }
  }

  async leaveConversation(conversation) {
    try {
      await api.del(`/api/conversations/${encodeURIComponent(conversation.roomId)}/members/me`);
    } catch (error) {
      // Not a member any more (404/403): the window goes all the same.
      if (error.status !== 403 && error.status !== 404) {
        conversation.showError(`You are still in this conversation. ${errorWords(error.message)}`);
        return;
      }
    }
    this.groups.delete(conversation.roomId);
    this.unread.rooms.delete(conversation.roomId);
    this.closeConversation(conversation.roomId);
    this.repaintUnread();
  }

  // Someone put me into a group conversation: its window opens behind the one in use.
  conversationFrame(room, by) {
    if (!room || !room.id) return;
    // The frame's room has no member list: an open window asks for it again.
    const open = this.conversations.get(room.id);
    if (open) {
      open.loadGroup();
      return;
    }
    // While Busy, only the toast tells of it (as with a DM).
    if (!this.main.busy) this.openRoom(room.id, this.groups.has(room.id) ? this.roomTitle(room.id) : room.name || "Group conversation", { background: true });
    if (by && by.id !== this.me.id) this.main.toast(`${by.name} has invited you to a conversation.`, by, () => this.openRoom(room.id, this.roomTitle(room.id)));
  }

  contactChanged(user) {
    this.conversations.forEach((conversation) => conversation.contactChanged(user));
  }

  meChanged(me) {
    this.me = { ...this.me, ...me };
    this.conversations.forEach((conversation) => conversation.meChanged(this.me));
  }

  closeConversation(roomId) {
    const conversation = this.conversations.get(roomId);
    if (!conversation) return;
    conversation.close();
    this.conversations.delete(roomId);
    const partner = dmPartnerName(roomId, this.me.id);
    const back =
      (conversation.opener && conversation.opener.isConnected && conversation.opener) ||
      this.main.el.querySelector(partner ? `.contact[data-user="${CSS.escape(partner)}"]` : `[data-room="${CSS.escape(roomId)}"]`);
    if (back) back.focus();
    else this.main.focusList();
  }

  // --- unread ----------------------------------------------------------------

  serverUnread(rooms, { quiet = false } = {}) {
    rooms.forEach((room) => {
      const before = this.unread.count(room.roomId);
      this.unread.serverSaid(room.roomId, room);
      if (this.unread.count(room.roomId) > before && !this.conversations.has(room.roomId)) this.incoming(room.roomId, { quiet });
    });
    this.repaintUnread();
  }

  readUpTo(roomId, seq) {
    if (this.unread.read(roomId, seq)) this.repaintUnread();
  }

  // Whatever conversation is in front when the page comes back to the front is read.
  readWhatIsInFront() {
    this.conversations.forEach((conversation) => conversation.isRead() && conversation.markRead());
    if (this.unread.total() === 0) stopFlashing();
  }

  repaintUnread() {
    this.unread.rooms.forEach((entry, roomId) => {
      this.main.paintUnread(roomId, dmPartnerName(roomId, this.me.id), entry.count);
      const conversation = this.conversations.get(roomId);
      if (conversation) conversation.showUnread(entry.count);
    });
    if (this.unread.total() === 0) stopFlashing();
  }

  // A message in a conversation that is open but not being read.
  unseenMessage(conversation, message) {
    this.unread.arrived(conversation.roomId, message.seq);
    this.repaintUnread();
    this.attention(conversation.roomId, message);
  }

  // New unread messages in a room with no window: a DM opens its window
  // behind the one in use (while Busy, only a toast says so).
  async incoming(roomId, { quiet = false } = {}) {
    const partner = dmPartnerName(roomId, this.me.id);
    if (!partner && !isGroupRoom(roomId)) return;
    let message = null;
    try {
      const { messages } = await api.get(`/api/rooms/${encodeURIComponent(roomId)}/messages?limit=1`);
      message = messages[messages.length - 1] || null;
    } catch {
      // The window (or the badge) still tells of it; the toast just has no words.
    }
    if (partner && message && message.sender && message.sender.id !== this.me.id) this.main.strangerWrote(message.sender);
    if (!this.main.busy && !this.conversations.has(roomId)) {
      this.openRoom(roomId, partner && message ? message.sender.name : this.roomTitle(roomId), { background: true });
    }
    const someone = partner ? this.knownUser(partner) || { id: partner, name: partner } : { id: "", name: this.roomTitle(roomId) };
    this.attention(roomId, message || { sender: someone, text: "" }, { quiet });
  }

  // Toast, sound and title flash for a message the person has not seen.
  attention(roomId, message, { quiet = false } = {}) {
    const sender = message.sender || { name: "Someone" };
    const words = firstWords(message.text);
    const text = words ? `${sender.name} says: ${words}` : `${sender.name} sent you a message.`;
    this.main.toast(text, sender, () => this.openRoom(roomId, this.roomTitle(roomId)));
    if (!quiet && !this.main.busy) messageDing();
    flashTitle(`${sender.name} says…`);
  }

  flashTitle(text) {
    flashTitle(text);
  }

  // The window has its welcome: if nothing waits in it any more, its badge goes.
  conversationReady() {
    this.repaintUnread();
  }

  // --- the session ------------------------------------------------------------

  // A socket was refused as unauthenticated: the HTTP API decides whether the
  // session really ended (then api.js reports it with the server's reason) or
  // the socket just met a server that was starting.
  async socketUnauthenticated(socket) {
    try {
      await api.get("/api/auth/me");
      socket.resume();
    } catch (error) {
      if (error.status !== 401) socket.resume();
    }
  }

  teardown() {
    this.conversations.forEach((conversation) => conversation.close());
    this.conversations.clear();
    this.unread.clear();
    this.main.stop();
    stopFlashing();
  }

  sessionExpired(reason) {
    if (this.signedOut) return;
    this.signedOut = true;
    this.teardown();
    const pending = this.outbox && this.outbox.rooms().length ? " Messages that were still being sent will go out after you sign in." : "";
    // The server's 401 says why (expired, signed out elsewhere, password changed, banned).
    this.signIn.show(`${reason || "Your session has ended. Sign in again."}${pending}`);
  }

  async signOut() {
    this.signedOut = true;
    try {
      await api.post("/api/auth/logout");
    } catch {
      // Signed out already or offline: the sign-in window is right either way.
    }
    this.teardown();
    this.signIn.show();
  }
}

new App().boot();
