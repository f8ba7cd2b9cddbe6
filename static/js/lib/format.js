// Presentation rules that need no DOM.
const GROUP_GAP_MS = 2 * 60 * 1000;

// A message joins the previous one's group: same sender, within two minutes.
export function sameGroup(previous, message) {
  return Boolean(
    previous && previous.sender && message.sender && previous.sender.id === message.sender.id &&
      message.ts - previous.ts < GROUP_GAP_MS,
  );
}

export function clockTime(ts) {
  const date = new Date(ts);
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

// MSN 7.5's status bar words while someone types.
export function typingText(names) {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing a message.`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing a message.`;
  return "Several people are typing a message.";
}

// The status bar otherwise: when the last message from someone else came, local time.
export function lastReceivedText(ts) {
  const date = new Date(ts);
  const day = `${String(date.getDate()).padStart(2, "0")}/${String(date.getMonth() + 1).padStart(2, "0")}/${date.getFullYear()}`;
  return `Last message received at ${clockTime(ts)} on ${day}`;
}

// A message's font style (docs/PROTOCOL.md §9 item 24) as the page may draw
// it: the colour only when it is exactly #RRGGBB, whatever the server let by.
const COLOR = /^#[0-9a-f]{6}$/i;
export const DEFAULT_STYLE = Object.freeze({ color: "#000000", bold: false, italic: false });

export function safeStyle(style) {
  if (!style || typeof style !== "object") return null;
  const safe = {
    color: typeof style.color === "string" && COLOR.test(style.color) ? style.color.toLowerCase() : null,
    bold: style.bold === true,
    italic: style.italic === true,
  };
  return safe.color || safe.bold || safe.italic ? safe : null;
}

// The style a chat frame carries: none when it is the default, so a plain
// message stays plain on the wire.
export function styleToSend(style) {
  const safe = safeStyle(style);
  if (!safe || (safe.color === DEFAULT_STYLE.color && !safe.bold && !safe.italic)) return null;
  return { color: safe.color || DEFAULT_STYLE.color, bold: safe.bold, italic: safe.italic };
}

// A group conversation is named by its other members, as MSN titled it.
export function groupTitle(members, meId) {
  const others = members.filter((user) => user.id !== meId).map((user) => user.name);
  return others.length ? others.join(", ") : "Nobody else";
}

export const isGroupRoom = (roomId) => roomId.startsWith("gc_");

// A server error message names its field first ("username: …"); people read the rest.
export function errorWords(message) {
  const words = String(message || "").replace(/^[a-z]+: /, "");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function retryText(retryAfterMs) {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return `wait ${seconds} second${seconds === 1 ? "" : "s"}`;
}

// MSN's words for each status, for pure logic and its tests. The page fills
// this from the server's own list (messenger/models.py STATUS_CHOICES, sent
// in the page by main.js's #statuses), so the two never disagree.
export const STATUS_LABELS = {
  online: "Online",
  busy: "Busy",
  away: "Away",
  brb: "Be Right Back",
  phone: "On the Phone",
  lunch: "Out to Lunch",
  offline: "Offline",
  invisible: "Appear Offline",
};

// "Bob (Out to Lunch)": the status in words after the name, as MSN wrote it;
// Online and Offline need no words, the group they are in says it.
export function nameWithStatus(user, labels = STATUS_LABELS) {
  if (user.blocked) return `${user.name} (Blocked)`;
  if (user.status === "online" || user.status === "offline" || !labels[user.status]) return user.name;
  return `${user.name} (${labels[user.status]})`;
}

// The first words of a message for a toast: one line, cut at a word.
export function firstWords(text, max = 60) {
  const line = String(text || "").replace(/\s+/g, " ").trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

// Contacts split into the two groups of the main window, each sorted by name.
export function groupContacts(users) {
  const byName = (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  const online = users.filter((u) => u.status !== "offline" && u.status !== "invisible").sort(byName);
  const offline = users.filter((u) => u.status === "offline" || u.status === "invisible").sort(byName);
  return { online, offline };
}

export function dmRoomId(a, b) {
  const [first, second] = [a, b].sort();
  return `dm_${first}____${second}`;
}

// The other username of a DM id as `me` computes it (chat/ids.py dm_partner_name):
// a name may end in "_", so the id is read by my own name, not by its first "____".
export function dmPartnerName(roomId, me) {
  const prefix = "dm_";
  const separator = "____";
  if (!roomId.startsWith(prefix)) return null;
  const rest = roomId.slice(prefix.length);
  const candidates = [
    rest.startsWith(me + separator) ? rest.slice(me.length + separator.length) : "",
    rest.endsWith(separator + me) ? rest.slice(0, rest.length - separator.length - me.length) : "",
  ];
  return candidates.find((other) => other && dmRoomId(me, other) === roomId) || null;
}
