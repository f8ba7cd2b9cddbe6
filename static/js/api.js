// The HTTP API: JSON envelope in and out, CSRF on cookie-authenticated writes,
// and one event when the session is gone so the app can show the sign-in window.
import { ERROR, NETWORK } from "./lib/codes.js";

export class ApiError extends Error {
  constructor(status, code, message, retryAfterS = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
}

export const sessionEvents = new EventTarget();

function csrfToken() {
  const match = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return match ? decodeURIComponent(match.slice("csrftoken=".length)) : "";
}

// A Blob (a picked file) goes as it is, with its own type; anything else as JSON.
export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const raw = body instanceof Blob;
  if (body !== undefined) headers["Content-Type"] = raw ? body.type || "application/octet-stream" : "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined || raw ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, NETWORK, "The server cannot be reached; check your connection and try again.");
  }
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    throw new ApiError(response.status, ERROR.INTERNAL, `The server answered ${response.status} without a readable body.`);
  }
  if (envelope.success) return envelope.data;
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  const error = new ApiError(response.status, envelope.error.code, envelope.error.message, retryAfter);
  if (response.status === 401 && !path.startsWith("/api/auth/login")) {
    sessionEvents.dispatchEvent(new CustomEvent("expired", { detail: error.message }));
  }
  throw error;
}

export const get = (path) => call("GET", path);
export const post = (path, body = {}) => call("POST", path, body);
export const del = (path, body) => call("DELETE", path, body);
export const patch = (path, body) => call("PATCH", path, body);
