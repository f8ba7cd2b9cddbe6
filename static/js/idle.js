// Whether the person is using the page: no input for IDLE_AFTER_MS, or the
// page hidden, is idle; any input is activity again. The presence socket's
// `idle` frame (docs/PRESENCE.md) lets the server set "Away" after
// PRESENCE_IDLE_AWAY_S of idleness and put "Online" back on activity.
const IDLE_AFTER_MS = 5000;
const ACTIVITY = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "focus"];

export class IdleWatch extends EventTarget {
  constructor() {
    super();
    this.idle = false;
    this.onActivity = () => this.active();
    this.onVisibility = () => (document.hidden ? this.set(true) : this.active());
  }

  start() {
    ACTIVITY.forEach((type) => window.addEventListener(type, this.onActivity, { passive: true, capture: true }));
    document.addEventListener("visibilitychange", this.onVisibility);
    this.active();
  }

  stop() {
    ACTIVITY.forEach((type) => window.removeEventListener(type, this.onActivity, { capture: true }));
    document.removeEventListener("visibilitychange", this.onVisibility);
    clearTimeout(this.timer);
    this.idle = false;
  }

  active() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.set(true), IDLE_AFTER_MS);
    this.set(false);
  }

  set(idle) {
    if (idle === this.idle) return;
    this.idle = idle;
    this.dispatchEvent(new CustomEvent("change", { detail: idle }));
  }
}
