// MSN Messenger's sounds, synthesised with WebAudio: no audio files. Every
// sound honours the "Play sounds" option (pref soundsMuted). Browsers only
// allow audio after a user gesture; before that the sounds are skipped
// silently.
//
// What the page asked to play is counted on window.__cfmSounds
// ({ signin: 2, message: 1 }) and announced as a "cfm:sound" event on window;
// muted sounds are neither. That is what a browser test observes, since
// headless audio cannot be listened to.
import { pref } from "./prefs.js";

let context = null;

function audio() {
  if (!context) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    context = new Context();
  }
  if (context.state === "suspended") context.resume().catch(() => {});
  return context;
}

// One note: an attack, an exponential decay, and optionally a glide to `to`
// (the "bloop" of a message is a quick upward glide).
function tone(ctx, { frequency, to = null, start, duration, type = "sine", volume = 0.15 }) {
  const oscillator = ctx.createOscillator();
  const gain = ctx.createGain();
  const at = ctx.currentTime + start;
  oscillator.type = type;
  oscillator.frequency.setValueAtTime(frequency, at);
  if (to) oscillator.frequency.exponentialRampToValueAtTime(to, at + duration * 0.6);
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(volume, at + 0.015);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + duration);
  oscillator.connect(gain).connect(ctx.destination);
  oscillator.start(at);
  oscillator.stop(at + duration + 0.05);
}

// A bell: the note and a quiet octave above it, as MSN's chimes rang.
const bell = (frequency, start, duration, volume = 0.14) => [
  { frequency, start, duration, volume },
  { frequency: frequency * 2, start, duration: duration * 0.6, volume: volume / 4 },
];

export const SOUNDS = Object.freeze({
  // online.wav: the rising two-note chime of a contact signing in.
  signin: [...bell(659, 0, 0.35), ...bell(988, 0.14, 0.5)],
  // type.wav: the short "bloop" of a new message.
  message: [
    { frequency: 520, to: 880, start: 0, duration: 0.12, volume: 0.12 },
    { frequency: 700, to: 1180, start: 0.09, duration: 0.14, volume: 0.1 },
  ],
  // nudge.wav: a low rattling buzz.
  nudge: [0, 0.08, 0.16, 0.24, 0.32].map((start) => ({ frequency: 110, start, duration: 0.07, type: "square", volume: 0.08 })),
  // newalert.wav: a falling "ding-dong" for messages that waited while you were away.
  alert: [...bell(1319, 0, 0.3), ...bell(1047, 0.18, 0.55)],
});

function counted(name) {
  const counts = (window.__cfmSounds ||= {});
  counts[name] = (counts[name] || 0) + 1;
  window.dispatchEvent(new CustomEvent("cfm:sound", { detail: name }));
}

export function playSound(name) {
  const notes = SOUNDS[name];
  if (!notes) throw new TypeError(`no such sound: ${name}`);
  if (pref("soundsMuted")) return false;
  counted(name);
  try {
    const ctx = audio();
    if (ctx) notes.forEach((note) => tone(ctx, note));
  } catch {
    // Audio is a nicety; a browser that refuses it still shows everything.
  }
  return true;
}

export const signInChime = () => playSound("signin");
export const messageDing = () => playSound("message");
export const nudgeBuzz = () => playSound("nudge");
export const offlineAlert = () => playSound("alert");
