// Emoticon codes typed in messages, drawn as the project's own SVGs under
// /static/emoticons/. Parsing returns segments; the caller renders text
// segments with textContent, so no user text is ever parsed as HTML.
export const EMOTICONS = [
  { name: "smile", label: "Smile", codes: [":)", ":-)"] },
  { name: "sad", label: "Sad", codes: [":(", ":-("] },
  { name: "grin", label: "Big grin", codes: [":D", ":-D", ":d"] },
  { name: "wink", label: "Wink", codes: [";)", ";-)"] },
  { name: "tongue", label: "Tongue out", codes: [":P", ":-P", ":p", ":-p"] },
  { name: "surprised", label: "Surprised", codes: [":O", ":-O", ":o"] },
  { name: "cool", label: "Cool", codes: ["8-)", "(H)", "(h)"] },
  { name: "angry", label: "Angry", codes: [":@", ":-@"] },
  { name: "crying", label: "Crying", codes: [":'("] },
  { name: "blush", label: "Embarrassed", codes: [":$", ":-$"] },
  { name: "thumbsup", label: "Thumbs up", codes: ["(y)", "(Y)"] },
  { name: "thumbsdown", label: "Thumbs down", codes: ["(n)", "(N)"] },
  { name: "heart", label: "Heart", codes: ["<3", "(l)", "(L)"] },
  { name: "brokenheart", label: "Broken heart", codes: ["</3", "(u)", "(U)"] },
  { name: "coffee", label: "Coffee", codes: ["(coffee)", "(c)", "(C)"] },
  { name: "star", label: "Star", codes: ["(*)"] },
];

// Longest code first, so "</3" wins over "<3" and "(coffee)" over "(c)".
const BY_LENGTH = EMOTICONS.flatMap((e) => e.codes.map((code) => ({ code, emoticon: e }))).sort(
  (a, b) => b.code.length - a.code.length,
);

export function parseEmoticons(text) {
  const segments = [];
  let plain = "";
  let i = 0;
  outer: while (i < text.length) {
    for (const { code, emoticon } of BY_LENGTH) {
      if (text.startsWith(code, i)) {
        if (plain) segments.push({ type: "text", text: plain });
        plain = "";
        segments.push({ type: "emoticon", code, name: emoticon.name, label: emoticon.label });
        i += code.length;
        continue outer;
      }
    }
    plain += text[i];
    i += 1;
  }
  if (plain) segments.push({ type: "text", text: plain });
  return segments;
}

export function emoticonUrl(name, base = "/static/emoticons/") {
  return `${base}${name}.svg`;
}
