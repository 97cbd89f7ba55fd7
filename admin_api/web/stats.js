// «Статистика»: the overview numbers, games per day as an SVG bar chart drawn here (no chart
// library), the team's win rate and the hardest questions.

import { get } from "./api.js";
import { add, errorBox, excerpt, fill, fmtPercent, fmtShortDate, h, loading, s, table } from "./dom.js";

const DAYS = 30;
const SERIES = [
  ["team_wins", "победы команды", "bar-team"],
  ["bot_wins", "победы бота", "bar-bot"],
  ["draws", "ничьи", "bar-draw"],
  ["other", "остановлены или идут", "bar-other"],
];

export async function render(root, ctx) {
  const overviewBox = h("div", {}, loading());
  const chartBox = h("div", {}, loading());
  const hardestBox = h("div", {}, loading());
  add(root,
    h("h1", {}, "Статистика"),
    overviewBox,
    h("h2", { id: "chart-title" }, `Игры по дням за ${DAYS} дней`),
    chartBox,
    h("h2", {}, "Самые трудные вопросы"),
    hardestBox,
  );
  const [overview, daily, hardest] = await Promise.allSettled([
    get("/api/stats/overview"),
    get("/api/stats/daily", { days: DAYS }),
    get("/api/stats/questions", { limit: 10 }),
  ]);
  if (!ctx.alive()) return;
  fill(overviewBox, overview.status === "fulfilled" ? overviewCards(overview.value) : errorBox(overview.reason));
  fill(chartBox, daily.status === "fulfilled" ? chart(daily.value.items) : errorBox(daily.reason));
  fill(hardestBox, hardest.status === "fulfilled" ? hardestTable(hardest.value.items) : errorBox(hardest.reason));
}

export function winRate(wins, losses, draws) {
  const finished = wins + losses + draws;
  return finished ? wins / finished : null;
}

function overviewCards(o) {
  const rate = winRate(o.team_wins, o.bot_wins, o.draws);
  const cards = [
    ["Чатов", o.chats],
    ["Игр сыграно", o.games],
    ["Идут сейчас", o.active_games],
    ["Вопросов в базе", o.questions],
    ["Игроков", o.players],
    ["Побед команды", o.team_wins],
    ["Побед бота", o.bot_wins],
    ["Ничьих", o.draws],
    ["Доля побед команды", fmtPercent(rate)],
  ];
  return h("dl", { class: "stat-cards" },
    cards.map(([label, value]) => h("div", { class: "stat" }, h("dt", {}, label), h("dd", {}, String(value)))));
}

function niceMax(value) {
  if (value <= 5) return Math.max(1, value);
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

function chart(items) {
  if (!items.length) return h("p", { class: "hint" }, "Нет данных.");
  const rows = items.map((d) => ({
    ...d,
    other: Math.max(0, d.games - d.team_wins - d.bot_wins - d.draws),
  }));
  const top = niceMax(Math.max(...rows.map((d) => d.games)));
  const bar = 16;
  const gap = 8;
  const left = 34;
  const bottom = 28;
  const height = 180;
  const width = left + rows.length * (bar + gap) + gap;
  const y = (value) => 8 + height - (value / top) * height;
  const svg = s("svg", {
    class: "chart",
    viewBox: `0 0 ${width} ${height + 8 + bottom}`,
    role: "img",
    "aria-labelledby": "chart-title",
    preserveAspectRatio: "xMinYMin meet",
  });
  const ticks = top <= 5 ? top : 5;
  for (let i = 0; i <= ticks; i += 1) {
    const value = Math.round((top / ticks) * i);
    svg.append(
      s("line", { x1: left - 4, x2: width, y1: y(value), y2: y(value), class: "grid" }),
      s("text", { x: left - 8, y: y(value) + 4, class: "axis", "text-anchor": "end" }, String(value)),
    );
  }
  rows.forEach((d, index) => {
    const x = left + gap + index * (bar + gap);
    const group = s("g", { class: "day" });
    group.append(s("title", {}, `${fmtShortDate(d.date)}: игр ${d.games}, побед команды ${d.team_wins}, `
      + `побед бота ${d.bot_wins}, ничьих ${d.draws}`));
    let base = 0;
    for (const [key, , cls] of SERIES) {
      const value = d[key];
      if (!value) continue;
      group.append(s("rect", { x, width: bar, y: y(base + value), height: y(base) - y(base + value), class: cls }));
      base += value;
    }
    if (index % 5 === 0 || index === rows.length - 1) {
      group.append(s("text", { x: x + bar / 2, y: height + 8 + 18, class: "axis", "text-anchor": "middle" }, fmtShortDate(d.date)));
    }
    svg.append(group);
  });
  const totals = rows.reduce((acc, d) => {
    acc.games += d.games;
    acc.team_wins += d.team_wins;
    acc.bot_wins += d.bot_wins;
    acc.draws += d.draws;
    return acc;
  }, { games: 0, team_wins: 0, bot_wins: 0, draws: 0 });
  const rate = winRate(totals.team_wins, totals.bot_wins, totals.draws);
  const legend = h("ul", { class: "legend" },
    SERIES.map(([, label, cls]) => h("li", {}, h("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), label)));
  const data = table(
    ["День", "Игр", "Побед команды", "Побед бота", "Ничьих"],
    rows.filter((d) => d.games).map((d) => h("tr", {},
      h("td", {}, fmtShortDate(d.date)), h("td", { class: "num" }, String(d.games)),
      h("td", { class: "num" }, String(d.team_wins)), h("td", { class: "num" }, String(d.bot_wins)),
      h("td", { class: "num" }, String(d.draws)))),
  );
  return h("div", { class: "card" },
    h("div", { class: "chart-wrap" }, svg),
    legend,
    h("p", {}, `За ${rows.length} дн.: игр ${totals.games}, доля побед команды в завершённых — `,
      h("strong", { class: "win-rate" }, fmtPercent(rate)), "."),
    h("details", {}, h("summary", {}, "Таблица по дням"), data));
}

function hardestTable(items) {
  return table(
    ["Вопрос", "Ответ", "Сыграно", "Неверно", "Доля неверных"],
    items.map((q) => h("tr", {},
      h("td", { class: "wide" }, q.question_id
        ? h("a", { href: `#/questions/${q.question_id}` }, excerpt(q.text, 120))
        : excerpt(q.text, 120)),
      h("td", {}, q.answer),
      h("td", { class: "num" }, String(q.played)),
      h("td", { class: "num" }, String(q.wrong)),
      h("td", { class: "num" }, fmtPercent(q.wrong_rate)))),
    { className: "hardest" },
  );
}
