// «Игры»: the live games first (phase, round, score, time left from the deadline), refreshed by
// themselves every few seconds, then the finished ones; one game's rounds with the answers,
// verdicts and the judge's reasons; stopping a live game (with a confirmation).

import { get, post } from "./api.js";
import {
  add, confirmAction, errorBox, excerpt, field, fill, fmtDateTime, fmtDuration, h, loading, pager, ru, table, toast,
} from "./dom.js";

const REFRESH_MS = 3000;
const LIMIT = 20;

export const PHASES = {
  lobby: "сбор команды",
  spin: "волчок",
  discussion: "обсуждение",
  pick: "выбор отвечающего",
  answer: "ответ",
  pause: "пауза",
  finished: "завершена",
  stopped: "остановлена",
  closed: "лобби закрыто",
};
const STATUSES = { active: "идёт", finished: "завершена", stopped: "остановлена", closed: "не состоялась" };
const VERDICTS = { correct: "верно", wrong: "неверно", no_answer: "нет ответа" };
const REASONS = {
  exact: "совпадает с ответом автора",
  zachet: "вариант из зачёта",
  number: "то же число, записанное иначе",
  word_form: "те же слова в другой форме",
  fuller: "лишние слова — верные подробности",
  typo: "опечатка",
  empty: "ответа нет",
  nezachet: "вариант из незачёта",
  negation: "отрицание",
  hedge: "несколько вариантов сразу",
  conflict: "лишнее слово противоречит ответу",
  other_word: "похоже, но это другое слово",
  extra: "лишние слова, не известные как верные",
  incomplete: "не хватает части ответа",
  wrong: "ничего общего с верными ответами",
};
const APPEALS = { pending: "апелляция ждёт решения", accepted: "апелляция принята", rejected: "апелляция отклонена" };

export function score(game) {
  return `Знатоки ${game.score.team} : ${game.score.bot} Бот`;
}

function roundOf(game) {
  if (game.phase === "lobby") return "—";
  return game.rounds_total ? `${game.round} из ${game.rounds_total}` : String(game.round);
}

// The time left, ticking locally between refreshes: <span data-deadline="ISO">.
function timeLeft(deadline) {
  const span = h("span", { class: "time-left" }, "—");
  if (deadline) {
    span.dataset.deadline = deadline;
    tick(span);
  }
  return span;
}

function tick(span) {
  const at = Date.parse(span.dataset.deadline);
  if (Number.isNaN(at)) return;
  const seconds = (at - Date.now()) / 1000;
  span.textContent = seconds > 0 ? fmtDuration(seconds) : "время вышло";
}

function tickAll(root) {
  for (const span of root.querySelectorAll(".time-left[data-deadline]")) tick(span);
}

// Re-renders ``box`` with ``build()`` only when the data changed, keeping keyboard focus on
// the element with the same data-key.
function refresher(box) {
  let last = "";
  return (data, build) => {
    const text = JSON.stringify(data);
    if (text === last) return;
    last = text;
    const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    fill(box, build());
    if (focused) {
      const again = box.querySelector(`[data-key="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  };
}

async function stop(game, after) {
  const ok = await confirmAction(`Остановить игру № ${game.id}? Чат получит итоги, как после /stop.`, "Остановить игру");
  if (!ok) return;
  try {
    await post(`/api/games/${game.id}/stop`);
    toast(`Игра № ${game.id} останавливается: итоги уходят в чат.`);
  } catch (error) {
    toast(error.status === 409 ? `Игра № ${game.id} уже не идёт.` : ru(error.message), "error");
  }
  after();
}

function stopButton(game, after) {
  return h("button", {
    type: "button",
    class: "btn small danger",
    dataset: { key: `stop-${game.id}` },
    "aria-label": `Остановить игру ${game.id}`,
    onclick: () => stop(game, after),
  }, "Остановить");
}

export async function render(root, ctx) {
  const [first] = ctx.args;
  if (first && /^\d+$/.test(first)) return renderGame(root, ctx, Number(first));
  return renderList(root, ctx);
}

async function chatTitles() {
  try {
    const chats = await get("/api/chats", { limit: 100 });
    return new Map(chats.items.map((chat) => [chat.peer_id, chat.title || `Беседа ${chat.peer_id}`]));
  } catch (_) {
    return new Map();
  }
}

async function renderList(root, ctx) {
  const peerId = ctx.params.get("peer_id") || "";
  const status = ctx.params.has("status") ? ctx.params.get("status") : "finished";
  const offset = Math.max(0, Number(ctx.params.get("offset")) || 0);
  const liveBox = h("div", { class: "live" }, loading());
  const historyBox = h("div", {}, loading());
  const select = h("select", {},
    [["finished", "завершённые"], ["stopped", "остановленные"], ["closed", "несостоявшиеся"], ["", "все"]]
      .map(([value, label]) => h("option", { value, selected: value === status }, label)));
  const hashFor = (next) => {
    const query = new URLSearchParams();
    if (peerId) query.set("peer_id", peerId);
    query.set("status", next.status);
    if (next.offset) query.set("offset", String(next.offset));
    return `#/games?${query}`;
  };
  select.addEventListener("change", () => ctx.go(hashFor({ status: select.value, offset: 0 })));
  add(root,
    h("h1", {}, "Игры"),
    peerId ? h("p", { class: "meta" }, `Только чат ${peerId} · `, h("a", { href: "#/games" }, "все чаты")) : null,
    h("h2", {}, "Идут сейчас"),
    liveBox,
    h("div", { class: "section-head" }, h("h2", {}, "Прошедшие"), field("Показать", select, { name: "status" })),
    historyBox,
  );
  const titles = await chatTitles();
  if (!ctx.alive()) return;
  const chatCell = (game) => h("td", {}, h("a", { href: `#/chats/${game.peer_id}` }, titles.get(game.peer_id) || String(game.peer_id)));
  const show = refresher(liveBox);

  async function refreshLive() {
    let data;
    try {
      data = await get("/api/games", { status: "active", peer_id: peerId, limit: 100 });
    } catch (error) {
      if (ctx.alive()) fill(liveBox, errorBox(error));
      return;
    }
    if (!ctx.alive()) return;
    show(data.items, () => table(
      ["Игра", "Чат", "Фаза", "Раунд", "Счёт", "Осталось", "Игроков", ""],
      data.items.map((game) => h(
        "tr",
        { dataset: { game: String(game.id) } },
        h("td", {}, h("a", { href: `#/games/${game.id}`, dataset: { key: `game-${game.id}` } }, `№ ${game.id}`)),
        chatCell(game),
        h("td", { class: "phase" }, PHASES[game.phase] || game.phase),
        h("td", {}, roundOf(game)),
        h("td", { class: "score" }, score(game)),
        h("td", {}, timeLeft(game.deadline)),
        h("td", { class: "num" }, String(game.players_count)),
        h("td", { class: "actions" }, stopButton(game, refreshLive)),
      )),
      { className: "live-games" },
    ));
    tickAll(liveBox);
  }

  await refreshLive();
  ctx.every(REFRESH_MS, refreshLive);
  ctx.every(1000, () => tickAll(liveBox));

  let history;
  try {
    history = await get("/api/games", { status, peer_id: peerId, limit: LIMIT, offset });
  } catch (error) {
    fill(historyBox, errorBox(error));
    return;
  }
  if (!ctx.alive()) return;
  fill(historyBox,
    table(["Игра", "Чат", "Итог", "Счёт", "Раундов", "Начата", "Окончена"], history.items.map((game) => h(
      "tr",
      {},
      h("td", {}, h("a", { href: `#/games/${game.id}` }, `№ ${game.id}`)),
      chatCell(game),
      h("td", {}, STATUSES[game.status] || game.status),
      h("td", { class: "score" }, score(game)),
      h("td", { class: "num" }, String(game.round)),
      h("td", {}, fmtDateTime(game.started_at || game.created_at)),
      h("td", {}, fmtDateTime(game.finished_at)),
    ))),
    pager(history.total, LIMIT, offset, (next) => ctx.go(hashFor({ status, offset: next }))),
  );
}

async function renderGame(root, ctx, id) {
  const box = h("div", {}, loading());
  add(root,
    h("nav", { class: "crumbs", "aria-label": "Путь" }, h("a", { href: "#/games" }, "Игры"), " / ", `№ ${id}`),
    h("h1", {}, `Игра № ${id}`),
    box,
  );
  const show = refresher(box);

  async function refresh() {
    let game;
    try {
      game = await get(`/api/games/${id}`);
    } catch (error) {
      if (ctx.alive()) show({ error: error.message }, () => errorBox(error));
      return;
    }
    if (!ctx.alive()) return;
    show(game, () => gameView(game, refresh));
    tickAll(box);
  }

  await refresh();
  ctx.every(REFRESH_MS, refresh);
  ctx.every(1000, () => tickAll(box));
}

function gameView(game, refresh) {
  const live = game.status === "active";
  const facts = [
    ["Чат", h("a", { href: `#/chats/${game.peer_id}` }, String(game.peer_id))],
    ["Состояние", live ? `идёт: ${PHASES[game.phase] || game.phase}` : STATUSES[game.status] || game.status],
    ["Раунд", roundOf(game)],
    ["Счёт", h("span", { class: "score", dataset: { testid: "score" } }, score(game))],
    live ? ["Осталось", timeLeft(game.deadline)] : null,
    ["Начата", fmtDateTime(game.started_at || game.created_at)],
    ["Окончена", fmtDateTime(game.finished_at)],
  ].filter(Boolean);
  const captain = game.players.find((p) => p.is_captain);
  const rounds = game.rounds.map((r) => h(
    "tr",
    { class: `verdict-${r.verdict}` },
    h("td", { class: "num" }, String(r.number)),
    h("td", { class: "wide" }, r.question_id
      ? h("a", { href: `#/questions/${r.question_id}`, title: r.question_text }, excerpt(r.question_text, 160))
      : excerpt(r.question_text, 160)),
    h("td", {}, r.correct_answer),
    h("td", {}, r.answerer_name || "—"),
    h("td", {}, r.answer_text === null ? "—" : r.answer_text),
    h("td", { class: "verdict" }, VERDICTS[r.verdict] || r.verdict),
    h("td", {}, r.reason ? h("span", { title: r.reason }, REASONS[r.reason] || r.reason) : "—"),
    h("td", {}, r.appeal ? (APPEALS[r.appeal] || r.appeal) : "—"),
  ));
  const players = game.players.map((p) => h(
    "tr",
    {},
    h("td", {}, p.full_name || p.name, p.is_captain ? " (капитан)" : ""),
    h("td", { class: "num" }, String(p.answers)),
    h("td", { class: "num" }, String(p.correct)),
  ));
  return h("div", {},
    h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    live ? h("div", { class: "toolbar" }, stopButton(game, refresh)) : null,
    h("h2", {}, "Раунды"),
    table(["№", "Вопрос", "Ответ автора", "Отвечал", "Ответ команды", "Вердикт", "Почему", "Апелляция"], rounds, { className: "rounds" }),
    h("h2", {}, "Игроки"),
    captain ? null : h("p", { class: "hint" }, "Капитан ещё не выбран."),
    table(["Игрок", "Ответов", "Верных"], players),
  );
}
