// The web admin's shell: login, the hash router (#/section/arg?query) and the navigation.
// Each section is a module exporting render(root, ctx); ctx.alive() turns false once the
// reader has moved on, and ctx.every() timers stop by themselves then.

import { api, onUnauthorized, setCsrf } from "./api.js";
import { fill, h, ru, toast } from "./dom.js";
import * as questions from "./questions.js";
import * as packs from "./packs.js";
import * as chats from "./chats.js";
import * as games from "./games.js";
import * as appeals from "./appeals.js";
import * as stats from "./stats.js";

const SECTIONS = {
  questions: { title: "Вопросы", view: questions },
  packs: { title: "Пакеты", view: packs },
  chats: { title: "Чаты", view: chats },
  games: { title: "Игры", view: games },
  appeals: { title: "Апелляции", view: appeals },
  stats: { title: "Статистика", view: stats },
};
const HOME = "#/questions";

const $ = (id) => document.getElementById(id);
const view = $("view");
const loginSection = $("login");
const loginForm = $("login-form");
const loginError = $("login-error");

let me = null;
let generation = 0;
let cleanups = [];

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  const parts = path.split("/").filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch (_) {
      return part;
    }
  });
  return { section: parts[0] || "", args: parts.slice(1), params: new URLSearchParams(query) };
}

export function hashFor(section, args = [], params = {}) {
  const path = [section, ...args.map((a) => encodeURIComponent(String(a)))].join("/");
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "" && value !== 0) query.set(key, String(value));
  }
  const text = query.toString();
  return `#/${path}${text ? `?${text}` : ""}`;
}

function leave() {
  generation += 1;
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
}

async function route({ focus = true } = {}) {
  if (!me) return;
  const { section, args, params } = parseHash();
  const entry = SECTIONS[section];
  if (!entry) {
    location.replace(HOME);
    return;
  }
  leave();
  const mine = generation;
  for (const link of document.querySelectorAll(".nav a")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${entry.title} — Знатоки`;
  fill(view);
  const ctx = {
    args,
    params,
    alive: () => mine === generation,
    every(ms, fn) {
      const timer = setInterval(() => {
        if (mine === generation && !document.hidden) fn();
      }, ms);
      cleanups.push(() => clearInterval(timer));
    },
    onLeave(fn) {
      cleanups.push(fn);
    },
    go(hash) {
      if (location.hash === hash) route({ focus: false });
      else location.hash = hash;
    },
    reload() {
      if (mine === generation) route({ focus: false });
    },
  };
  if (focus) view.focus({ preventScroll: true });
  try {
    await entry.view.render(view, ctx);
  } catch (error) {
    if (!ctx.alive() || (error && error.status === 401)) return;
    fill(view,
      h("h1", {}, entry.title),
      h("p", { class: "form-error", role: "alert" }, ru(error.message || String(error))),
    );
  }
}

// --- session --------------------------------------------------------------------------------

function showApp() {
  loginSection.hidden = true;
  $("topbar").hidden = false;
  view.hidden = false;
  $("who").textContent = me.email;
  if (!SECTIONS[parseHash().section]) location.replace(HOME);
  route();
}

function showLogin(message = "") {
  me = null;
  setCsrf(null);
  leave();
  $("topbar").hidden = true;
  view.hidden = true;
  fill(view);
  loginSection.hidden = false;
  loginError.textContent = message;
  document.title = "Вход — Знатоки";
  $("login-email").focus();
}

function loginMessage(error) {
  if (error.code === "too_many_attempts" || error.status === 429) {
    const wait = error.retryAfter ? ` Попробуйте снова через ${error.retryAfter} с.` : " Попробуйте позже.";
    return `Слишком много неудачных попыток входа.${wait}`;
  }
  if (error.code === "invalid_credentials") return "Неверная почта или пароль.";
  if (error.status === 422) return "Введите почту и пароль.";
  return ru(error.message);
}

loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  loginError.textContent = "";
  const email = loginForm.elements.email.value.trim();
  const password = loginForm.elements.password.value;
  if (!email || !password) {
    loginError.textContent = "Введите почту и пароль.";
    return;
  }
  const button = loginForm.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const answer = await api("POST", "/api/auth/login", { json: { email, password } });
    setCsrf(answer.csrf_token);
    me = answer;
    loginForm.elements.password.value = "";
    showApp();
  } catch (error) {
    loginError.textContent = loginMessage(error);
    loginForm.elements.password.select();
  } finally {
    button.disabled = false;
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await api("POST", "/api/auth/logout");
  } catch (error) {
    if (error.status !== 401) {
      toast(ru(error.message), "error");
      return;
    }
  }
  showLogin("Вы вышли.");
});

onUnauthorized(() => {
  if (me) showLogin("Сессия закончилась: войдите снова.");
});

window.addEventListener("hashchange", () => route());

async function boot() {
  try {
    me = await api("GET", "/api/auth/me");
    setCsrf(me.csrf_token);
    showApp();
  } catch (error) {
    showLogin(error.status === 401 ? "" : ru(error.message));
  }
}

boot();
