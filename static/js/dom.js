// Building DOM from data. User text only ever becomes a Text node or an
// attribute value; nothing here parses HTML.
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on")) throw new Error(`h(): use addEventListener, not ${key}`);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clear(element) {
  element.replaceChildren();
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

// Screen-reader announcements go through the page's single aria-live region.
export function announce(text) {
  const region = document.getElementById("live");
  if (!region) return;
  region.textContent = "";
  region.append(document.createTextNode(text));
}

export function prefersReducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}
