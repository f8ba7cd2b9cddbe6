// The sign-in window: sign in (or register) and report errors in words.
import * as api from "./api.js";
import { $ } from "./dom.js";

function turnstileToken(form) {
  const field = form.querySelector('input[name="cf-turnstile-response"]');
  return field && field.value ? field.value : undefined;
}

function resetTurnstile() {
  if (window.turnstile && typeof window.turnstile.reset === "function") window.turnstile.reset();
}

export function explain(error, registering) {
  switch (error.code) {
    case "INVALID_CREDENTIALS":
      return "The username or password is wrong. Check them and try again.";
    case "RATE_LIMITED": {
      const seconds = error.retryAfterS || 10;
      return `Too many attempts. Please wait ${seconds} second${seconds === 1 ? "" : "s"} and try again.`;
    }
    case "TURNSTILE_FAILED":
      return "The human check failed or expired. Please complete it again.";
    case "CONFLICT":
      return "That username is taken; please choose another.";
    case "FORBIDDEN":
      return registering ? "Registration is closed on this server." : error.message;
    default:
      return error.message;
  }
}

export class SignInWindow {
  constructor(app) {
    this.app = app;
    this.el = document.getElementById("signin-window");
    this.form = $("#signin-form");
    this.errorEl = $("#signin-error");
    this.registering = false;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    const toggle = $("#signin-register-toggle");
    if (toggle) toggle.addEventListener("click", () => this.setRegistering(!this.registering));
  }

  show(notice = "") {
    this.el.hidden = false;
    this.showError(notice);
    $("#signin-password").value = "";
    $("#signin-username").focus();
  }

  hide() {
    this.el.hidden = true;
  }

  setRegistering(registering) {
    this.registering = registering;
    $("#signin-register-fields").hidden = !registering;
    $("#signin-display-name").required = registering;
    $("#signin-submit").textContent = registering ? "Create account" : "Sign in";
    $("#signin-register-toggle").textContent = registering ? "I already have an account" : "Get a new account";
    $("#signin-password").autocomplete = registering ? "new-password" : "current-password";
    this.showError("");
  }

  showError(text) {
    this.errorEl.textContent = text;
    this.errorEl.hidden = !text;
  }

  async submit() {
    const username = $("#signin-username").value.trim().toLowerCase();
    const password = $("#signin-password").value;
    const status = $("#signin-status").value;
    if (!username || !password) {
      this.showError("Type your username and password.");
      return;
    }
    const body = { username, password, turnstileToken: turnstileToken(this.form) };
    const button = $("#signin-submit");
    button.disabled = true;
    this.showError("");
    try {
      let data;
      if (this.registering) {
        data = await api.post("/api/auth/register", { ...body, displayName: $("#signin-display-name").value.trim() });
      } else {
        data = await api.post("/api/auth/login", { ...body, status });
      }
      this.hide();
      this.app.signedIn(data.user);
    } catch (error) {
      this.showError(explain(error, this.registering));
      resetTurnstile();
    } finally {
      button.disabled = false;
    }
  }
}
