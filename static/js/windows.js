// In-page windows: dragged by their title bar (pointer or arrow keys), resized
// by their grip (pointer or arrow keys), raised on focus, closed by their X
// button or Esc, minimised to the strip at the bottom of the desktop, and
// always kept on the visible desktop: on open, while dragged or resized, and
// when the browser window shrinks.
let topZ = 10;
let cascade = 0;
// Below this width every window fills the screen (the CSS does the same).
const PHONE_MAX_WIDTH = 700;
const MIN_WIDTH = 320;
const MIN_HEIGHT = 260;

function desktop() {
  return document.getElementById("desktop");
}

export function raise(win) {
  topZ += 1;
  win.style.zIndex = String(topZ);
  document.querySelectorAll(".xp-window.is-active").forEach((other) => other !== win && other.classList.remove("is-active"));
  if (!win.classList.contains("is-active")) win.classList.add("is-active");
  win.dispatchEvent(new Event("raised"));
}

// A window that opens by itself (an incoming message) goes on the desktop
// without taking the keyboard or covering the window being typed in.
export function setBehind(win) {
  const active = document.querySelector(".xp-window.is-active");
  topZ += 1;
  win.style.zIndex = String(topZ);
  if (active && active !== win) {
    topZ += 1;
    active.style.zIndex = String(topZ);
  }
}

// Keeps the whole window on the desktop; one larger than the desktop is
// shrunk to fit (its body scrolls or flexes inside).
export function clamp(win, left = win.offsetLeft, top = win.offsetTop) {
  if (window.innerWidth <= PHONE_MAX_WIDTH) return;
  const area = desktop().getBoundingClientRect();
  win.style.maxWidth = `${area.width}px`;
  win.style.maxHeight = `${area.height}px`;
  const maxLeft = Math.max(0, area.width - win.offsetWidth);
  const maxTop = Math.max(0, area.height - win.offsetHeight);
  const x = Math.round(Math.min(Math.max(0, left), maxLeft));
  const y = Math.round(Math.min(Math.max(0, top), maxTop));
  win.style.left = `${x}px`;
  win.style.top = `${y}px`;
  // Grown by its grip, a window stops at the desktop's edge.
  win.style.maxWidth = `${area.width - x}px`;
  win.style.maxHeight = `${area.height - y}px`;
}

function resizeTo(win, width, height) {
  const area = desktop().getBoundingClientRect();
  win.style.width = `${Math.round(Math.max(MIN_WIDTH, Math.min(width, area.width - win.offsetLeft)))}px`;
  win.style.height = `${Math.round(Math.max(MIN_HEIGHT, Math.min(height, area.height - win.offsetTop)))}px`;
}

// A handle of the window (its title bar, its grip) that follows the pointer
// and the arrow keys (10 px, 40 with Shift): `start` gives the window's
// current x and y, `apply` sets new ones (position or size).
function handle(win, element, { start, apply }) {
  element.addEventListener("pointerdown", (event) => {
    if (event.target !== element && event.target.closest("button")) return;
    raise(win);
    const [x, y] = start();
    const offsetX = event.clientX - x;
    const offsetY = event.clientY - y;
    element.setPointerCapture(event.pointerId);
    const move = (e) => apply(e.clientX - offsetX, e.clientY - offsetY);
    const up = () => {
      element.removeEventListener("pointermove", move);
      element.removeEventListener("pointerup", up);
    };
    element.addEventListener("pointermove", move);
    element.addEventListener("pointerup", up);
  });
  element.addEventListener("keydown", (event) => {
    const step = event.shiftKey ? 40 : 10;
    const delta = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
    if (!delta) return;
    event.preventDefault();
    const [x, y] = start();
    apply(x + delta[0], y + delta[1]);
  });
}

export function place(win) {
  cascade = (cascade + 1) % 8;
  clamp(win, 320 + cascade * 28, 40 + cascade * 24);
}

// What closes on Esc: the innermost popup a window reports first, then the window.
export function makeWindow(win, { onClose, onEscape = () => false }) {
  // Moved by its title bar (arrow keys when the bar is focused), resized by its grip.
  handle(win, win.querySelector(".xp-titlebar"), { start: () => [win.offsetLeft, win.offsetTop], apply: (x, y) => clamp(win, x, y) });
  const grip = win.querySelector(".xp-grip");
  if (grip) handle(win, grip, { start: () => [win.offsetWidth, win.offsetHeight], apply: (w, h) => resizeTo(win, w, h) });
  win.addEventListener("pointerdown", () => raise(win));
  win.addEventListener("focusin", () => raise(win));
  win.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    event.preventDefault();
    if (!onEscape()) onClose();
  });
  win.querySelector(".xp-close").addEventListener("click", onClose);
}

// --- the strip of minimised windows --------------------------------------

function taskbar() {
  return document.getElementById("taskbar");
}

function showTaskbar() {
  const bar = taskbar();
  const any = bar.querySelector(".taskbar__item") !== null;
  bar.hidden = !any;
  document.body.classList.toggle("has-taskbar", any);
  clampAll();
}

// Hides the window and puts a button for it in the strip; the button (click,
// Enter or Space) calls onRestore. Returns the button, which the owner keeps
// up to date (title, unread count) and focuses.
export function minimise(win, { onRestore }) {
  win.hidden = true;
  win.classList.remove("is-active");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "taskbar__item";
  button.addEventListener("click", onRestore);
  const item = document.createElement("li");
  item.append(button);
  taskbar().querySelector(".taskbar__list").append(item);
  showTaskbar();
  return button;
}

// Takes a window's button out of the strip (restored, or closed while minimised).
export function unstrip(button) {
  if (!button) return;
  button.closest("li").remove();
  showTaskbar();
}

// Takes the window's button out of the strip and shows the window in front.
export function restore(win, button) {
  unstrip(button);
  win.hidden = false;
  clamp(win);
  raise(win);
}

export function clampAll() {
  document.querySelectorAll("#desktop > .xp-window:not([hidden])").forEach((win) => {
    if (getComputedStyle(win).position === "absolute" && win.style.left) clamp(win);
  });
}

// Shake a window (a nudge); with reduced motion asked for, flash it instead.
export function shake(win, reducedMotion) {
  const effect = reducedMotion ? "is-flashing" : "is-shaking";
  win.classList.remove(effect);
  void win.offsetWidth; // restart the CSS animation when nudged twice in a row
  win.classList.add(effect);
  win.addEventListener("animationend", () => win.classList.remove(effect), { once: true });
}

window.addEventListener("resize", clampAll);
// Focusing a control outside the visible area scrolls even an overflow:hidden
// box; the desktop has no scrollbar, so such a scroll would strand the windows
// out of reach. It is undone at once (CSS `overflow: clip` prevents most of it).
// Module scripts run after the document is parsed, so the desktop is there.
desktop()?.addEventListener("scroll", (event) => event.currentTarget.scrollTo(0, 0));
