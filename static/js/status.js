// Status icons as MSN drew them: one glyph per status (Away, Be Right Back and
// Out to Lunch share orange but not a glyph; Busy and On the Phone share red),
// the words as the image's text and tooltip, and a no-entry sign for blocked.
import { h } from "./dom.js";
import { STATUS_LABELS } from "./lib/format.js";

const GLYPHS = new Set(["online", "busy", "away", "brb", "phone", "lunch", "offline"]);

export function statusIcon(status, { blocked = false } = {}) {
  const glyph = blocked ? "blocked" : GLYPHS.has(status) ? status : "offline";
  const label = blocked ? "Blocked" : STATUS_LABELS[status] || STATUS_LABELS.offline;
  return h("img", {
    className: `status-icon status-icon--${glyph}`,
    src: `/static/img/status/${glyph}.svg`,
    alt: label,
    title: label,
    width: 16,
    height: 16,
  });
}
