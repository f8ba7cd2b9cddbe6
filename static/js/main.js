// The web app: decides between the sign-in window and the main window, and
// owns the open conversation windows.
import * as api from "./api.js";
import { Conversation } from "./conversation.js";
import { dmRoomId } from "./lib/format.js";
import { MainWindow } from "./mainwindow.js";
import { SignInWindow } from "./signin.js";
import { flashTitle, stopFlashing } from "./titleflash.js";

class App {
  constructor() {
    this.conversations = new Map();
    this.winks = [];
    // Nobody is signed in yet: a 401 now is not an "expired session".
    this.signedOut = true;
    this.signIn = new SignInWindow(this);
    this.main = new MainWindow(this);
    api.sessionEvents.addEventListener("expired", () => this.sessionExpired());
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
    this.main.start(user);
    this.loadWinks();
  }

  async loadWinks() {
    try {
      this.winks = (await api.get("/api/winks")).winks;
    } catch {
      this.winks = [];
    }
  }

  async openDm(user) {
    const guess = dmRoomId(this.me.id, user.id);
    if (this.conversations.has(guess)) {
      this.conversations.get(guess).focus();
      return;
    }
    try {
      const { room } = await api.post("/api/dm", { username: user.id });
      this.openRoom(room.id, user.name);
    } catch (error) {
      this.main.notice(error.code === "FORBIDDEN" ? `You can't send messages to ${user.name}.` : error.message);
    }
  }

  openRoom(roomId, title) {
    let conversation = this.conversations.get(roomId);
    if (!conversation) {
      conversation = new Conversation({ roomId, title, app: this });
      this.conversations.set(roomId, conversation);
    }
    conversation.focus();
  }

  closeConversation(roomId) {
    const conversation = this.conversations.get(roomId);
    if (!conversation) return;
    conversation.close();
    this.conversations.delete(roomId);
    this.setUnread(roomId, 0);
  }

  setUnread(roomId, count) {
    this.main.setUnread(roomId, count);
  }

  flashTitle(text) {
    flashTitle(text);
  }

  teardown() {
    this.conversations.forEach((conversation) => conversation.close());
    this.conversations.clear();
    this.main.stop();
    stopFlashing();
  }

  sessionExpired() {
    if (this.signedOut) return;
    this.signedOut = true;
    this.teardown();
    this.signIn.show("Your session has expired. Please sign in again.");
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
