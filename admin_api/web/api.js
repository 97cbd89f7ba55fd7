// The REST API, same origin. The session is the HttpOnly cookie the browser sends by itself;
// the CSRF token (from POST /api/auth/login or GET /api/auth/me) lives only in this module's
// memory and goes as X-CSRF-Token on every state change (POST, PUT, PATCH, DELETE).

let csrfToken = null;
const listeners = new Set();

export function setCsrf(token) {
  csrfToken = token || null;
}

// Called with no arguments when the session is gone (a 401 from anything but the login).
export function onUnauthorized(listener) {
  listeners.add(listener);
}

export class ApiError extends Error {
  constructor(status, code, message, fields = null, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
}

export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

// api("GET", "/api/questions", {query: {q: "кот"}}); api("PATCH", path, {json: {...}});
// api("PUT", path, {form: formData}). Resolves to the parsed JSON (null for an empty body),
// rejects with an ApiError carrying the server's code, message and per-field messages.
export async function api(method, path, { json, form, query } = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // the browser writes the multipart boundary
  }
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(withQuery(path, query), {
      method, headers, body, credentials: "same-origin", cache: "no-store",
    });
  } catch (_) {
    throw new ApiError(0, "network", "Сервер недоступен: проверьте соединение.");
  }
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = null;
    }
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    const retry = Number(response.headers.get("Retry-After")) || null;
    if (response.status === 401 && path !== "/api/auth/login") {
      for (const listener of listeners) listener();
    }
    throw new ApiError(
      response.status,
      error.code || "http_error",
      error.message || `Ошибка сервера (HTTP ${response.status})`,
      error.fields || null,
      retry,
    );
  }
  return data;
}

export const get = (path, query) => api("GET", path, { query });
export const post = (path, json) => api("POST", path, json === undefined ? {} : { json });
export const patch = (path, json) => api("PATCH", path, { json });
export const del = (path) => api("DELETE", path);
