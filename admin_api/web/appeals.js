// «Апелляции»: the pending appeals with the question, the team's answer and the author's,
// accepted or rejected in one click; the decided ones below (and whether the bot has applied
// them to the game yet: the list refreshes by itself meanwhile).

import { get, post } from "./api.js";
import { add, errorBox, fill, fmtDateTime, h, loading, ru, table, toast } from "./dom.js";

const REFRESH_MS = 4000;
const STATUS = { pending: "ждёт решения", accepted: "принята", rejected: "отклонена" };
const VIA = { chat: "в чате", api: "в админке" };

export async function render(root, ctx) {
  const pendingBox = h("div", { class: "appeals" }, loading());
  const decidedBox = h("div", {}, loading());
  add(root, h("h1", {}, "Апелляции"), h("h2", {}, "Ждут решения"), pendingBox, h("h2", {}, "Рассмотренные"), decidedBox);
  let lastPending = "";
  let lastDecided = "";
  const busy = new Set();

  async function decide(appeal, accept, card) {
    busy.add(appeal.id);
    for (const button of card.querySelectorAll("button")) button.disabled = true;
    try {
      await post(`/api/appeals/${appeal.id}/${accept ? "accept" : "reject"}`);
      toast(accept ? `Апелляция № ${appeal.id} принята: счёт игры исправится.` : `Апелляция № ${appeal.id} отклонена.`);
    } catch (error) {
      toast(error.status === 409 ? `Апелляция № ${appeal.id} уже рассмотрена.` : ru(error.message), "error");
    }
    busy.delete(appeal.id);
    await refresh();
  }

  function card(appeal) {
    const el = h("article", { class: "card appeal", dataset: { appeal: String(appeal.id) }, "aria-label": `Апелляция ${appeal.id}` });
    add(el,
      h("p", { class: "meta" },
        h("a", { href: `#/games/${appeal.game_id}` }, `Игра № ${appeal.game_id}`),
        `, раунд ${appeal.round} · чат ${appeal.peer_id} · подана ${fmtDateTime(appeal.created_at)}`),
      h("p", { class: "q-text" }, appeal.question_text || "(вопрос удалён)"),
      h("div", { class: "answers" },
        h("div", {}, h("span", { class: "k" }, "Ответ команды"), h("strong", { class: "given" }, appeal.answer_text)),
        h("div", {}, h("span", { class: "k" }, "Ответ автора"), h("strong", { class: "author" }, appeal.correct_answer || "—"))),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn primary", onclick: () => decide(appeal, true, el) }, "Принять"),
        h("button", { type: "button", class: "btn danger", onclick: () => decide(appeal, false, el) }, "Отклонить")),
    );
    return el;
  }

  async function refresh() {
    let pending;
    let recent;
    try {
      [pending, recent] = await Promise.all([
        get("/api/appeals", { status: "pending", limit: 100 }),
        get("/api/appeals", { limit: 50 }),
      ]);
    } catch (error) {
      if (ctx.alive()) fill(pendingBox, errorBox(error));
      return;
    }
    if (!ctx.alive()) return;
    const text = JSON.stringify(pending.items);
    if (text !== lastPending && !busy.size) {
      lastPending = text;
      fill(pendingBox, ...(pending.items.length
        ? pending.items.map(card)
        : [h("p", { class: "hint" }, "Нет апелляций, ждущих решения.")]));
    }
    const decided = recent.items.filter((appeal) => appeal.status !== "pending");
    const decidedText = JSON.stringify(decided);
    if (decidedText !== lastDecided) {
      lastDecided = decidedText;
      fill(decidedBox, table(
        ["№", "Игра", "Ответ команды", "Ответ автора", "Решение", "Как", "Когда", "В игре"],
        decided.map((appeal) => h(
          "tr",
          { dataset: { appeal: String(appeal.id) } },
          h("td", { class: "num" }, String(appeal.id)),
          h("td", {}, h("a", { href: `#/games/${appeal.game_id}` }, `№ ${appeal.game_id}`), `, раунд ${appeal.round}`),
          h("td", {}, appeal.answer_text),
          h("td", {}, appeal.correct_answer || "—"),
          h("td", { class: `status-${appeal.status}` }, STATUS[appeal.status] || appeal.status),
          h("td", {}, VIA[appeal.decided_via] || "—"),
          h("td", {}, fmtDateTime(appeal.decided_at)),
          h("td", {}, appeal.applied ? "учтено" : "бот ещё учитывает…"),
        )),
      ));
    }
  }

  await refresh();
  ctx.every(REFRESH_MS, refresh);
}
