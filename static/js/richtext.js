// Names, personal messages and toasts drawn with their emoticons, as the
// "Show emoticons" option says (pref showEmoticons). Text stays Text nodes;
// an emoticon is an <img> whose alt is the code typed, so a button holding a
// name keeps a readable accessible name ("Bob (L)").
import { h } from "./dom.js";
import { emoticonUrl, parseMessage } from "./lib/emoticons.js";
import { pref } from "./prefs.js";

export function richText(text) {
  return parseMessage(String(text ?? ""), { emoticons: pref("showEmoticons"), links: false }).map((part) =>
    part.type === "emoticon"
      ? h("img", { className: "emoticon", src: emoticonUrl(part.name), alt: part.code, title: part.label })
      : document.createTextNode(part.text),
  );
}
