// In-page windows: dragged by their title bar (pointer or arrow keys), raised
// on focus, closed by their X button or Esc.
let topZ = 10;
let cascade = 0;

export function raise(win) {
  topZ += 1;
  win.style.zIndex = String(topZ);
  document.querySelectorAll(".xp-window.is-active").forEach((other) => other.classList.remove("is-active"));
  win.classList.add("is-active");
  win.dispatchEvent(new Event("raised"));
}

function moveTo(win, left, top) {
  const maxLeft = Math.max(0, window.innerWidth - 80);
  const maxTop = Math.max(0, window.innerHeight - 40);
  win.style.left = `${Math.min(Math.max(0, left), maxLeft)}px`;
  win.style.top = `${Math.min(Math.max(0, top), maxTop)}px`;
}

export function place(win) {
  cascade = (cascade + 1) % 8;
  moveTo(win, 320 + cascade * 28, 40 + cascade * 24);
}

export function makeWindow(win, { onClose }) {
  const bar = win.querySelector(".xp-titlebar");
  bar.addEventListener("pointerdown", (event) => {
    if (event.target.closest("button")) return;
    raise(win);
    const startX = event.clientX - win.offsetLeft;
    const startY = event.clientY - win.offsetTop;
    bar.setPointerCapture(event.pointerId);
    const move = (e) => moveTo(win, e.clientX - startX, e.clientY - startY);
    const up = () => {
      bar.removeEventListener("pointermove", move);
      bar.removeEventListener("pointerup", up);
    };
    bar.addEventListener("pointermove", move);
    bar.addEventListener("pointerup", up);
  });
  // Keyboard users move a focused title bar with the arrow keys.
  bar.addEventListener("keydown", (event) => {
    const step = event.shiftKey ? 40 : 10;
    const delta = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
    if (!delta) return;
    event.preventDefault();
    moveTo(win, win.offsetLeft + delta[0], win.offsetTop + delta[1]);
  });
  win.addEventListener("pointerdown", () => raise(win));
  win.addEventListener("focusin", () => raise(win));
  win.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onClose();
    }
  });
  win.querySelector(".xp-close").addEventListener("click", onClose);
}

// Shake a window (a nudge); with reduced motion asked for, flash it instead.
export function shake(win, reducedMotion) {
  const effect = reducedMotion ? "is-flashing" : "is-shaking";
  win.classList.remove(effect);
  void win.offsetWidth; // restart the CSS animation when nudged twice in a row
  win.classList.add(effect);
  win.addEventListener("animationend", () => win.classList.remove(effect), { once: true });
}
