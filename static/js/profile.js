// Your own profile from the contact list, as MSN had it: the "Display
// Picture" dialog (the built-in gallery, or Browse… for a file of your own,
// or one dropped on the dialog, with a preview; OK applies) and the Options dialog (show emoticons, play
// sounds). Both are native <dialog>s: they trap the keyboard, Esc cancels,
// and the focus goes back to the control that opened them.
//
// The server is the authority on a picture (docs/PROTOCOL.md §9: Pillow
// decodes it, 1 MiB at most); the size is checked here as well so a huge
// file is refused before it is sent.
import * as api from "./api.js";
import { $, h } from "./dom.js";
import { pref, setPref } from "./prefs.js";

export const MAX_PICTURE_BYTES = 1024 * 1024;
const ACCEPTED_TYPES = new Set(["image/png", "image/jpeg", "image/gif"]);
const NO_PICTURE = "/static/img/buddy.svg";

let gallery = null;
// The gallery is fetched before the dialog shows: a second click meanwhile opens nothing.
let opening = false;

async function galleryPictures() {
  if (!gallery) gallery = (await api.get("/api/avatars")).avatars;
  return gallery;
}

// "/static/avatars/paperclip.svg" → "Paperclip"
function pictureName(url) {
  const stem = url.split("/").pop().replace(/\.[a-z]+$/i, "");
  return stem.charAt(0).toUpperCase() + stem.slice(1);
}

function megabytes(bytes) {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// The server's words, and when a limit allows the next try.
function refusal(failure) {
  if (!failure.retryAfterS) return failure.message;
  const minutes = Math.ceil(failure.retryAfterS / 60);
  return `${failure.message} Try again in ${minutes === 1 ? "a minute" : `${minutes} minutes`}.`;
}

// Whether the browser can draw it: a file that is no picture at all is
// refused at once, in the server's words.
function decodes(url) {
  const image = new Image();
  image.src = url;
  return image.decode().then(
    () => true,
    () => false,
  );
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener("load", () => resolve(reader.result));
    reader.addEventListener("error", () => reject(reader.error));
    reader.readAsDataURL(file);
  });
}

// Opens the dialog; resolves with the updated user (the server's answer) or
// null when nothing changed.
export async function pictureDialog({ me, returnFocus = null }) {
  const dialog = $("#picture-dialog");
  if (opening || dialog.open) return null;
  opening = true;
  const preview = $("#picture-preview");
  const error = $("#picture-error");
  const fileInput = $("#picture-file");
  const ok = $("#picture-ok");
  const showError = (text) => {
    error.textContent = text;
    error.hidden = !text;
  };
  // What OK will apply: a gallery URL, a picked file, or nothing.
  let choice = null;
  let updated = null;

  let pictures = [];
  showError("");
  try {
    pictures = await galleryPictures();
  } catch (failure) {
    showError(`The gallery could not be loaded (${failure.message}); you can still browse for a picture of your own.`);
  } finally {
    opening = false;
  }
  const current = me.avatar || "";
  const own = current && !pictures.includes(current) ? [current] : [];
  const radios = [...own, ...pictures].map((url) => {
    const radio = h("input", { type: "radio", name: "picture", value: url, checked: url === current });
    radio.addEventListener("change", () => {
      choice = url === current ? null : { url };
      preview.src = url;
      showError("");
    });
    const label = url === current && own.length ? "Your current picture" : pictureName(url);
    return h("label", { className: "picture__choice", title: label }, radio, h("img", { src: url, alt: label, width: 48, height: 48 }));
  });
  $("#picture-choices").replaceChildren(...radios);
  preview.src = current || NO_PICTURE;
  fileInput.value = "";
  ok.disabled = false;

  const browse = () => fileInput.click();
  // A file from Browse… or dropped on the dialog: previewed, sent on OK.
  // A refused file leaves nothing for OK to apply until another is picked.
  const refuse = (text) => {
    choice = { refused: text };
    fileInput.value = "";
    preview.src = current || NO_PICTURE;
    showError(text);
  };
  const take = async (file) => {
    dialog.querySelectorAll('input[name="picture"]').forEach((radio) => (radio.checked = false));
    if (file.size > MAX_PICTURE_BYTES) {
      refuse(`"${file.name}" is ${megabytes(file.size)}: a display picture can be at most 1 MB. Pick a smaller picture.`);
      return;
    }
    if (file.type && !ACCEPTED_TYPES.has(file.type)) {
      refuse(`"${file.name}" is not a PNG, JPEG or GIF picture; send one of those.`);
      return;
    }
    const url = await readAsDataUrl(file).catch(() => null);
    if (!url || !(await decodes(url))) {
      refuse(`"${file.name}" is not a picture we can read; send a PNG, JPEG or GIF.`);
      return;
    }
    showError("");
    choice = { file };
    preview.src = url;
  };
  const picked = () => fileInput.files[0] && take(fileInput.files[0]);
  const carriesFiles = (event) => [...event.dataTransfer.types].includes("Files");
  const dragover = (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dialog.classList.add("is-dropping");
  };
  const dragleave = () => dialog.classList.remove("is-dropping");
  const drop = (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dialog.classList.remove("is-dropping");
    if (event.dataTransfer.files[0]) take(event.dataTransfer.files[0]);
  };
  const submit = async (event) => {
    if (event.submitter !== ok) return;
    event.preventDefault();
    if (!choice) {
      dialog.close("cancel");
      return;
    }
    if (choice.refused) {
      showError(choice.refused);
      return;
    }
    ok.disabled = true;
    showError("");
    try {
      const { user } = choice.file
        ? await api.post("/api/auth/me/avatar", choice.file)
        : await api.patch("/api/auth/me", { avatar: choice.url });
      updated = user;
      dialog.close("ok");
    } catch (failure) {
      showError(refusal(failure));
      ok.disabled = false;
    }
  };
  $("#picture-browse").addEventListener("click", browse);
  fileInput.addEventListener("change", picked);
  $("#picture-form").addEventListener("submit", submit);
  const drags = { dragover, dragleave, drop };
  Object.entries(drags).forEach(([type, listener]) => dialog.addEventListener(type, listener));

  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        $("#picture-browse").removeEventListener("click", browse);
        fileInput.removeEventListener("change", picked);
        $("#picture-form").removeEventListener("submit", submit);
        Object.entries(drags).forEach(([type, listener]) => dialog.removeEventListener(type, listener));
        dialog.classList.remove("is-dropping");
        if (returnFocus && returnFocus.isConnected) returnFocus.focus();
        resolve(updated);
      },
      { once: true },
    );
    dialog.showModal();
    (dialog.querySelector('input[name="picture"]:checked') || dialog.querySelector('input[name="picture"]') || $("#picture-browse")).focus();
  });
}

// The Options dialog: each switch applies (and is remembered) at once.
export function optionsDialog({ returnFocus = null } = {}) {
  const dialog = $("#options-dialog");
  const emoticons = $("#option-emoticons");
  const sounds = $("#option-sounds");
  emoticons.checked = pref("showEmoticons");
  sounds.checked = !pref("soundsMuted");
  const onEmoticons = () => setPref("showEmoticons", emoticons.checked);
  const onSounds = () => setPref("soundsMuted", !sounds.checked);
  emoticons.addEventListener("change", onEmoticons);
  sounds.addEventListener("change", onSounds);
  dialog.addEventListener(
    "close",
    () => {
      emoticons.removeEventListener("change", onEmoticons);
      sounds.removeEventListener("change", onSounds);
      if (returnFocus && returnFocus.isConnected) returnFocus.focus();
    },
    { once: true },
  );
  dialog.showModal();
  emoticons.focus();
}
