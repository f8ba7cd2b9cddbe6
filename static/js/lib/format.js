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

export function typingText(names) {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
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

// The other participant of a DM room id (contract 2.2), or null for a public room.
export function dmPartner(roomId, me) {
  if (!roomId.startsWith("dm_")) return null;
  const ids = roomId.slice(3).split("____");
  if (ids.length !== 2) return null;
  return ids[0] === me ? ids[1] : ids[1] === me ? ids[0] : null;
}
