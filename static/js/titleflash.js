// The tab title flashes "Alice says…" while something waits for the person
// and the page is not in front. The resting title is fixed when the page
// loads and never read back from document.title, so a flash interrupted by
// another flash (a nudge and then a message within a second) cannot leave
// its text behind as the "original".
const FLASH_EVERY_MS = 1000;
const restingTitle = document.title;
let timer = null;
let alertText = "";

function pageInFront() {
  return document.hasFocus() && !document.hidden;
}

export function flashTitle(text) {
  alertText = text;
  if (pageInFront()) return;
  document.title = alertText;
  if (timer) return;
  let on = true;
  timer = setInterval(() => {
    on = !on;
    document.title = on ? alertText : restingTitle;
  }, FLASH_EVERY_MS);
}

export function stopFlashing() {
  clearInterval(timer);
  timer = null;
  alertText = "";
  document.title = restingTitle;
}

window.addEventListener("focus", stopFlashing);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) stopFlashing();
});
