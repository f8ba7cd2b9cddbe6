// Per-person preferences, remembered in this browser for the signed-in
// account (MSN kept its options per account on the machine): whether
// emoticons are drawn, whether sounds play. Anything that draws or plays
// reads pref(); onPrefChange lets open windows redraw at once.
const DEFAULTS = Object.freeze({ showEmoticons: true, soundsMuted: false });

let store = null;
let key = "";
let values = { ...DEFAULTS };
const listeners = new Set();

// Called once the account is known; a new account starts from the defaults.
export function loadPrefs(userId, storage = window.localStorage) {
  store = storage;
  key = `cfm.prefs.${userId}`;
  values = { ...DEFAULTS };
  try {
    const saved = JSON.parse(store.getItem(key) || "{}");
    for (const name of Object.keys(DEFAULTS)) {
      if (typeof saved[name] === typeof DEFAULTS[name]) values[name] = saved[name];
    }
  } catch {
    // A damaged entry is replaced by the defaults on the next change.
  }
}

export const pref = (name) => values[name];

export function setPref(name, value) {
  if (!(name in DEFAULTS) || typeof value !== typeof DEFAULTS[name]) {
    throw new TypeError(`unknown preference or wrong type: ${name}`);
  }
  values[name] = value;
  try {
    store?.setItem(key, JSON.stringify(values));
  } catch {
    // A full or refused storage keeps the choice for this page only.
  }
  listeners.forEach((listener) => listener(name, value));
}

export function onPrefChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
