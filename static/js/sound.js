// Sounds generated with WebAudio: no audio files. Browsers only allow audio
// after a user gesture; before that the sounds are skipped silently.
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

function tone(ctx, { frequency, start, duration, type = "sine", volume = 0.15 }) {
  const oscillator = ctx.createOscillator();
  const gain = ctx.createGain();
  oscillator.type = type;
  oscillator.frequency.setValueAtTime(frequency, ctx.currentTime + start);
  gain.gain.setValueAtTime(0.0001, ctx.currentTime + start);
  gain.gain.exponentialRampToValueAtTime(volume, ctx.currentTime + start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + start + duration);
  oscillator.connect(gain).connect(ctx.destination);
  oscillator.start(ctx.currentTime + start);
  oscillator.stop(ctx.currentTime + start + duration + 0.05);
}

function play(notes) {
  try {
    const ctx = audio();
    if (ctx) notes.forEach((note) => tone(ctx, note));
  } catch {
    // Audio is a nicety; a browser that refuses it still shows everything.
  }
}

// The rising two-note chime of a contact signing in.
export const signInChime = () =>
  play([
    { frequency: 660, start: 0, duration: 0.18 },
    { frequency: 990, start: 0.12, duration: 0.3 },
  ]);

export const messageDing = () => play([{ frequency: 880, start: 0, duration: 0.15, volume: 0.08 }]);

// A nudge's buzz: a low rattling square wave.
export const nudgeBuzz = () =>
  play([0, 0.08, 0.16, 0.24].map((start) => ({ frequency: 110, start, duration: 0.07, type: "square", volume: 0.08 })));
