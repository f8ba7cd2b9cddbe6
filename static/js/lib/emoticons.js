// Emoticon codes typed in messages, drawn as the project's own SVGs under
// /static/emoticons/ (MSN Messenger 7.5's classic set and its shortcuts).
// Parsing returns segments; the caller renders text segments with
// textContent, so no user text is ever parsed as HTML.
//
// Emoticons are never drawn inside a URL, an e-mail address or a path
// ("http://example.com/:p/", "me:D@example.com", "C:\Docs:Data"): those
// spans stay text. parseMessage also turns http and https URLs into links;
// nothing else becomes one.
export const EMOTICONS = [
  { name: "smile", label: "Smile", codes: [":)", ":-)"] },
  { name: "sad", label: "Sad", codes: [":(", ":-("] },
  { name: "grin", label: "Big grin", codes: [":D", ":-D", ":d"] },
  { name: "wink", label: "Wink", codes: [";)", ";-)"] },
  { name: "tongue", label: "Tongue out", codes: [":P", ":-P", ":p", ":-p"] },
  { name: "surprised", label: "Surprised", codes: [":O", ":-O", ":o"] },
  { name: "cool", label: "Hot", codes: ["(H)", "(h)"] },
  { name: "angry", label: "Angry", codes: [":@", ":-@"] },
  { name: "crying", label: "Crying", codes: [":'("] },
  { name: "blush", label: "Embarrassed", codes: [":$", ":-$"] },
  { name: "confused", label: "Confused", codes: [":S", ":-S", ":s", ":-s"] },
  { name: "teeth", label: "Baring teeth", codes: ["8o|"] },
  { name: "nerd", label: "Nerd", codes: ["8-|"] },
  { name: "sarcastic", label: "Sarcastic", codes: ["^o)"] },
  { name: "secret", label: "Secret telling", codes: [":-*"] },
  { name: "sick", label: "Sick", codes: ["+o("] },
  { name: "donttell", label: "Don't tell anyone", codes: [":-#"] },
  { name: "dontknow", label: "I don't know", codes: [":^)"] },
  { name: "thinking", label: "Thinking", codes: ["*-)"] },
  { name: "party", label: "Party", codes: ["<:o)"] },
  { name: "eyeroll", label: "Eye-rolling", codes: ["8-)"] },
  { name: "sleepy", label: "Sleepy", codes: ["|-)"] },
  { name: "angel", label: "Angel", codes: ["(A)", "(a)"] },
  { name: "devil", label: "Devil", codes: ["(6)"] },
  { name: "brb", label: "Be right back", codes: ["(brb)"] },
  { name: "thumbsup", label: "Thumbs up", codes: ["(y)", "(Y)"] },
  { name: "thumbsdown", label: "Thumbs down", codes: ["(n)", "(N)"] },
  { name: "heart", label: "Red heart", codes: ["<3", "(l)", "(L)"] },
  { name: "brokenheart", label: "Broken heart", codes: ["</3", "(u)", "(U)"] },
  { name: "kiss", label: "Red lips", codes: ["(k)", "(K)"] },
  { name: "rose", label: "Red rose", codes: ["(f)", "(F)"] },
  { name: "wiltedrose", label: "Wilted rose", codes: ["(w)", "(W)"] },
  { name: "hugleft", label: "Left hug", codes: ["({)"] },
  { name: "hugright", label: "Right hug", codes: ["(})"] },
  { name: "boy", label: "Boy", codes: ["(z)", "(Z)"] },
  { name: "girl", label: "Girl", codes: ["(x)", "(X)"] },
  { name: "messenger", label: "Messenger", codes: ["(m)", "(M)"] },
  { name: "gift", label: "Gift with a bow", codes: ["(g)", "(G)"] },
  { name: "cake", label: "Birthday cake", codes: ["(^)"] },
  { name: "coffee", label: "Coffee cup", codes: ["(coffee)", "(c)", "(C)"] },
  { name: "beer", label: "Beer mug", codes: ["(b)", "(B)"] },
  { name: "cocktail", label: "Martini glass", codes: ["(d)", "(D)"] },
  { name: "pizza", label: "Pizza", codes: ["(pi)"] },
  { name: "star", label: "Star", codes: ["(*)"] },
  { name: "sun", label: "Sun", codes: ["(#)"] },
  { name: "moon", label: "Sleeping half-moon", codes: ["(s)", "(S)"] },
  { name: "rainbow", label: "Rainbow", codes: ["(r)", "(R)"] },
  { name: "umbrella", label: "Umbrella", codes: ["(um)"] },
  { name: "island", label: "Island with a palm tree", codes: ["(ip)"] },
  { name: "cat", label: "Cat face", codes: ["(@)"] },
  { name: "dog", label: "Dog face", codes: ["(&)"] },
  { name: "note", label: "Note", codes: ["(8)"] },
  { name: "lightbulb", label: "Light bulb", codes: ["(i)", "(I)"] },
  { name: "email", label: "E-mail", codes: ["(e)", "(E)"] },
  { name: "phone", label: "Telephone receiver", codes: ["(t)", "(T)"] },
  { name: "mobile", label: "Mobile phone", codes: ["(mp)"] },
  { name: "computer", label: "Computer", codes: ["(co)"] },
  { name: "camera", label: "Camera", codes: ["(p)", "(P)"] },
  { name: "clock", label: "Clock", codes: ["(o)", "(O)"] },
  { name: "airplane", label: "Airplane", codes: ["(ap)"] },
  { name: "soccer", label: "Soccer ball", codes: ["(so)"] },
];

// Longest code first, so "</3" wins over "<3" and "(coffee)" over "(c)".
const BY_LENGTH = EMOTICONS.flatMap((e) => e.codes.map((code) => ({ code, emoticon: e }))).sort(
  (a, b) => b.code.length - a.code.length,
);

// Spans no emoticon is drawn in. A URL, an e-mail address, a Windows path
// (C:\...) or a Unix path (/..., ~/..., ./...): each a whole word.
const PROTECTED = new RegExp(
  [
    String.raw`\b(?:https?|ftp):\/\/[^\s<>"]+`,
    String.raw`\bwww\.[^\s<>"]+`,
    String.raw`[\w.+%-]+@[\w-]+(?:\.[\w-]+)+`,
    String.raw`\b[A-Za-z]:\\[^\s]*`,
    String.raw`(?<!\S)(?:~|\.{1,2})?\/[^\s\/]+\/?[^\s]*`,
  ].join("|"),
  "gu",
);
// A URL does not take the sentence's closing punctuation with it.
const TRAILING = /[.,!?;:'")\]]+$/u;
const LINK = /^https?:\/\/[^\s<>"]+$/iu;

function protectedSpans(text) {
  const spans = [];
  for (const match of text.matchAll(PROTECTED)) {
    let value = match[0];
    const trailing = value.match(TRAILING);
    if (trailing && LINK.test(value)) value = value.slice(0, -trailing[0].length);
    if (value) spans.push({ start: match.index, end: match.index + value.length, value });
  }
  return spans;
}

function emoticonSegments(text, segments) {
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
}

function pushText(segments, text) {
  const last = segments[segments.length - 1];
  if (last && last.type === "text") last.text += text;
  else if (text) segments.push({ type: "text", text });
}

// Segments of text, emoticon and (with links) link. `emoticons: false` is
// MSN's "show emoticons" switch turned off: codes stay as typed.
export function parseMessage(text, { emoticons = true, links = true } = {}) {
  const segments = [];
  let at = 0;
  const plain = (part) => {
    if (!part) return;
    if (!emoticons) return pushText(segments, part);
    const found = [];
    emoticonSegments(part, found);
    for (const segment of found) {
      if (segment.type === "text") pushText(segments, segment.text);
      else segments.push(segment);
    }
  };
  for (const span of protectedSpans(text)) {
    plain(text.slice(at, span.start));
    if (links && LINK.test(span.value)) segments.push({ type: "link", href: span.value, text: span.value });
    else pushText(segments, span.value);
    at = span.end;
  }
  plain(text.slice(at));
  return segments;
}

// Text and emoticon segments only (URLs, e-mail addresses and paths stay text).
export function parseEmoticons(text) {
  return parseMessage(text, { links: false });
}

export function emoticonUrl(name, base = "/static/emoticons/") {
  return `${base}${name}.svg`;
}
