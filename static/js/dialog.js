// A modal yes/no question in the page's own look, on the native <dialog>:
// it traps the keyboard, Esc answers "no", and the focus goes back to the
// control that asked.
import { $ } from "./dom.js";

export function confirmDialog({ title, text, confirm, returnFocus = null }) {
  const dialog = $("#confirm");
  $("#confirm-title").textContent = title;
  $("#confirm-text").textContent = text;
  $("#confirm-yes").textContent = confirm;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        if (returnFocus && returnFocus.isConnected) returnFocus.focus();
        resolve(dialog.returnValue === "yes");
      },
      { once: true },
    );
    dialog.showModal();
    $("#confirm-no").focus();
  });
}
