// Flash the tab title for a new message while the page is in the background
// or another window is in front; stop when the user comes back.
let timer = null;
let original = document.title;

export function flashTitle(text) {
  if (timer) clearInterval(timer);
  original = document.title.includes("…") ? original : document.title;
  let on = false;
  timer = setInterval(() => {
    on = !on;
    document.title = on ? text : original;
  }, 1000);
  document.title = text;
}

export function stopFlashing() {
  if (!timer) return;
  clearInterval(timer);
  timer = null;
  document.title = original;
}

window.addEventListener("focus", stopFlashing);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) stopFlashing();
});
