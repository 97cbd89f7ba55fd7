// «Чаты»: the chats, their status and game settings (timings, mode, pinned pack), edited in a
// form bounded by what the API says (settings.bounds, settings.choices) with the API's
// per-field errors shown by each field.

import { get, patch } from "./api.js";
import {
  add, clearErrors, errorBox, field, fill, fmtDateTime, h, loading, pager, ru, showErrors, table, toast,
} from "./dom.js";

const LIMIT = 50;
const LABELS = {
  rounds: "Вопросов в игре (классика)",
  lobby_seconds: "Сбор команды, с",
  discussion_seconds: "Обсуждение, с",
  pick_seconds: "Выбор отвечающего, с",
  answer_seconds: "Время на ответ, с",
  pause_seconds: "Пауза между раундами, с",
  appeal_seconds: "Время на апелляцию, с (0 — без апелляций)",
  spin_step_seconds: "Шаг волчка, с (телеформат)",
  blitz_seconds: "Обсуждение в блице, с (телеформат)",
  mode: "Формат игры",
};
const CHOICE_LABELS = { classic: "классический", tv: "телеформат (до 6 очков)" };
const STATUS = { active: "бот в беседе", unavailable: "бот недоступен (удалён из беседы)" };

export async function render(root, ctx) {
  const [first] = ctx.args;
  if (first && /^-?\d+$/.test(first)) return renderChat(root, ctx, first);
  return renderList(root, ctx);
}

export function chatName(chat) {
  return chat.title || `Беседа ${chat.peer_id}`;
}

async function renderList(root, ctx) {
  const offset = Math.max(0, Number(ctx.params.get("offset")) || 0);
  const list = h("div", {}, loading());
  add(root, h("h1", {}, "Чаты"), list);
  let data;
  try {
    data = await get("/api/chats", { limit: LIMIT, offset });
  } catch (error) {
    fill(list, errorBox(error));
    return;
  }
  if (!ctx.alive()) return;
  const rows = data.items.map((chat) => h(
    "tr",
    {},
    h("td", { class: "wide" }, h("a", { href: `#/chats/${chat.peer_id}` }, chatName(chat))),
    h("td", { class: "num" }, String(chat.peer_id)),
    h("td", {}, STATUS[chat.status] || chat.status),
    h("td", { class: "num" }, String(chat.games_played)),
    h("td", {}, fmtDateTime(chat.last_activity_at)),
    h("td", {}, chat.active_game_id ? h("a", { href: `#/games/${chat.active_game_id}` }, `игра № ${chat.active_game_id}`) : "—"),
  ));
  fill(list,
    table(["Чат", "peer_id", "Состояние", "Игр", "Активность", "Текущая игра"], rows, { className: "chats" }),
    pager(data.total, LIMIT, offset, (next) => ctx.go(`#/chats?offset=${next}`)),
  );
}

async function renderChat(root, ctx, peerId) {
  add(root, loading());
  let chat;
  let packs = { items: [] };
  try {
    [chat, packs] = await Promise.all([
      get(`/api/chats/${peerId}`),
      get("/api/packs", { limit: 100 }).catch(() => ({ items: [] })),
    ]);
  } catch (error) {
    fill(root, h("h1", {}, "Чат"), errorBox(error));
    return;
  }
  if (!ctx.alive()) return;
  const settings = chat.settings;
  const bounds = settings.bounds || {};
  const choices = { ...(settings.choices || {}) };
  for (const [name, value] of Object.entries(settings.defaults)) {
    // A text setting the API gives no choices for: offer the values it shows.
    if (typeof value === "string" && !(name in choices)) {
      choices[name] = [...new Set([value, settings.effective[name]])];
    }
  }
  // Every setting the API reports, numbers first (in the bot's order), then the choices.
  const names = Object.keys(settings.effective);
  const numbers = names.filter((name) => !(name in choices));
  const picks = names.filter((name) => name in choices);

  const controls = {};
  const fields = [];
  for (const name of numbers) {
    const [low, high] = bounds[name] || [undefined, undefined];
    const input = h("input", {
      type: "number",
      inputMode: "numeric",
      step: 1,
      min: low,
      max: high,
      value: name in settings.overrides ? String(settings.overrides[name]) : "",
      placeholder: String(settings.defaults[name]),
    });
    controls[name] = input;
    const range = low !== undefined ? `${low}–${high}; ` : "";
    fields.push(field(LABELS[name] || name, input, {
      name, hint: `${range}пусто — по умолчанию (${settings.defaults[name]})`,
    }));
  }
  for (const name of picks) {
    const select = h("select", {},
      h("option", { value: "" }, `по умолчанию (${CHOICE_LABELS[settings.defaults[name]] || settings.defaults[name]})`),
      choices[name].map((choice) => h("option", {
        value: choice,
        selected: settings.overrides[name] === choice,
      }, CHOICE_LABELS[choice] || choice)));
    controls[name] = select;
    fields.push(field(LABELS[name] || name, select, { name }));
  }
  const pack = h("select", {}, h("option", { value: "" }, "случайные вопросы из всей базы"));
  const listed = new Set();
  for (const item of packs.items) {
    if (!item.enabled && item.id !== settings.pack_id) continue;
    listed.add(item.id);
    pack.append(h("option", { value: String(item.id), selected: item.id === settings.pack_id },
      `${item.title} (№ ${item.id}, ${item.questions} вопр.)${item.enabled ? "" : " — выключен"}`));
  }
  if (settings.pack_id && !listed.has(settings.pack_id)) {
    pack.append(h("option", { value: String(settings.pack_id), selected: true }, `пакет № ${settings.pack_id}`));
  }
  controls.pack_id = pack;
  fields.push(field("Пакет вопросов", pack, { name: "pack_id", hint: "Игры чата идут по порядку вопросов пакета." }));

  const formError = h("p", { class: "form-error", role: "alert" });
  const save = h("button", { type: "submit", class: "btn primary" }, "Сохранить");
  const form = h("form", { class: "card form settings" },
    h("h2", {}, "Настройки игры"),
    h("p", { class: "hint" }, "Изменения действуют со следующей игры; идущая игра доигрывается по старым."),
    h("div", { class: "grid3" }, fields),
    formError,
    h("div", { class: "actions" }, save));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = {};
    for (const name of numbers) {
      const text = controls[name].value.trim();
      const had = name in settings.overrides;
      if (text === "") {
        if (had) body[name] = null;
      } else if (!had || Number(text) !== settings.overrides[name]) {
        body[name] = /^-?\d+$/.test(text) ? Number(text) : text; // the server explains a non-number
      }
    }
    for (const name of picks) {
      const value = controls[name].value || null;
      if (value !== (settings.overrides[name] ?? null)) body[name] = value;
    }
    const chosen = pack.value ? Number(pack.value) : null;
    if (chosen !== (settings.pack_id ?? null)) body.pack_id = chosen;
    if (!Object.keys(body).length) {
      toast("Нечего сохранять: ничего не изменилось.");
      return;
    }
    save.disabled = true;
    try {
      await patch(`/api/chats/${peerId}/settings`, body);
      toast("Настройки сохранены.");
      ctx.reload();
    } catch (error) {
      save.disabled = false;
      const left = error.status === 422 ? showErrors(form, error.fields) : [];
      formError.textContent = error.status === 422 && !left.length
        ? "Исправьте отмеченные поля."
        : [ru(error.message), ...left].join(" ");
    }
  });

  const effective = h("dl", { class: "effective" },
    names.map((name) => [h("dt", {}, LABELS[name] || name),
      h("dd", {}, CHOICE_LABELS[settings.effective[name]] || String(settings.effective[name]))]));

  fill(root,
    h("nav", { class: "crumbs", "aria-label": "Путь" }, h("a", { href: "#/chats" }, "Чаты"), " / ", chatName(chat)),
    h("h1", {}, chatName(chat)),
    h("p", { class: "meta" },
      `peer_id ${chat.peer_id} · ${STATUS[chat.status] || chat.status} · игр: ${chat.games_played} · активность: ${fmtDateTime(chat.last_activity_at)}`),
    h("p", {},
      chat.active_game_id ? [h("a", { href: `#/games/${chat.active_game_id}` }, `Текущая игра № ${chat.active_game_id}`), " · "] : null,
      h("a", { href: `#/games?peer_id=${chat.peer_id}` }, "Все игры чата")),
    form,
    h("section", { class: "card" }, h("h2", {}, "Действующие значения"), effective),
  );
}
