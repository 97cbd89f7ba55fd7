// «Вопросы»: search (the API's q, tag, author), a paged table, and a form to create, edit and
// delete a question with its answer, зачёт/незачёт, comment, authors, sources and handout
// (text, or a picture uploaded with PUT /api/questions/{id}/image).

import { api, del, get, patch, post } from "./api.js";
import {
  add, clearErrors, confirmAction, errorBox, excerpt, field, fill, h, loading, pager, ru, showErrors, table, toast,
} from "./dom.js";

const LIMIT = 20;
const MAX_IMAGE_BYTES = 20 * 1024 * 1024; // the server's cap for a picture
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif"]; // what PUT …/image takes

function hashWith(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, String(value));
  const text = query.toString();
  return `#/questions${text ? `?${text}` : ""}`;
}

export async function render(root, ctx) {
  const [first] = ctx.args;
  if (first === "new") return renderForm(root, ctx, null);
  if (first && /^\d+$/.test(first)) return renderForm(root, ctx, Number(first));
  return renderList(root, ctx);
}

// --- the list -----------------------------------------------------------------------------

async function renderList(root, ctx) {
  const params = {
    q: ctx.params.get("q") || "",
    tag: ctx.params.get("tag") || "",
    author: ctx.params.get("author") || "",
  };
  const offset = Math.max(0, Number(ctx.params.get("offset")) || 0);

  const q = h("input", { type: "search", value: params.q, maxLength: 200, placeholder: "текст или ответ" });
  const tag = h("input", { type: "text", value: params.tag, maxLength: 50 });
  const author = h("input", { type: "text", value: params.author, maxLength: 200 });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field("Поиск", q, { name: "q" }),
    field("Тег", tag, { name: "tag" }),
    field("Автор", author, { name: "author" }),
    h("div", { class: "filters-actions" }, h("button", { type: "submit", class: "btn primary" }, "Найти")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.go(hashWith({ q: q.value.trim(), tag: tag.value.trim(), author: author.value.trim() }));
  });
  const results = h("div", {}, loading());
  add(root,
    h("div", { class: "page-head" },
      h("h1", {}, "Вопросы"),
      h("a", { class: "btn primary", href: "#/questions/new" }, "Новый вопрос")),
    form,
    results,
  );

  let data;
  try {
    data = await get("/api/questions", { ...params, limit: LIMIT, offset });
  } catch (error) {
    fill(results, errorBox(error));
    return;
  }
  if (!ctx.alive()) return;
  const rows = data.items.map((question) => h(
    "tr",
    {},
    h("td", { class: "num" }, String(question.id)),
    h("td", { class: "wide" }, h("a", { href: `#/questions/${question.id}` }, excerpt(question.text))),
    h("td", {}, question.answer),
    h("td", {}, question.pack_id
      ? h("a", { href: `#/packs/${question.pack_id}` }, `№ ${question.pack_id}${question.tour ? `, тур ${question.tour}` : ""}`)
      : "—"),
    h("td", {}, handoutLabel(question.handout)),
    h("td", { class: "actions" },
      h("a", { class: "btn small", href: `#/questions/${question.id}`, "aria-label": `Изменить вопрос ${question.id}` }, "Изменить"),
      h("button", {
        type: "button",
        class: "btn small danger",
        "aria-label": `Удалить вопрос ${question.id}`,
        onclick: () => remove(question, ctx),
      }, "Удалить")),
  ));
  fill(results,
    table(["№", "Вопрос", "Ответ", "Пакет", "Раздатка", ""], rows, { className: "questions" }),
    pager(data.total, LIMIT, offset, (next) => ctx.go(hashWith({ ...params, offset: next }))),
  );
}

function handoutLabel(handout) {
  if (!handout) return "—";
  const parts = [];
  if (handout.text) parts.push("текст");
  if (handout.image) parts.push("картинка");
  return parts.join(", ") || "—";
}

async function remove(question, ctx) {
  const ok = await confirmAction(`Удалить вопрос № ${question.id} «${excerpt(question.text, 60)}»?`, "Удалить");
  if (!ok) return;
  try {
    await del(`/api/questions/${question.id}`);
    toast(`Вопрос № ${question.id} удалён.`);
    if (ctx.args.length) ctx.go("#/questions");
    else ctx.reload();
  } catch (error) {
    toast(ru(error.message), "error");
  }
}

// --- the form -----------------------------------------------------------------------------

const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

async function renderForm(root, ctx, id) {
  let question = null;
  if (id !== null) {
    add(root, loading());
    try {
      question = await get(`/api/questions/${id}`);
    } catch (error) {
      fill(root, h("h1", {}, "Вопрос"), errorBox(error));
      return;
    }
    if (!ctx.alive()) return;
    fill(root);
  }
  const value = (name, fallback = "") => (question && question[name] !== null && question[name] !== undefined ? question[name] : fallback);
  const area = (text, rows = 3, maxLength = undefined) => h("textarea", { rows, maxLength }, text);

  const controls = {
    text: area(value("text"), 6, 8000),
    answer: h("input", { type: "text", value: value("answer"), maxLength: 200, required: true }),
    alternatives: area(value("alternatives", []).join("\n")),
    rejected: area(value("rejected", []).join("\n")),
    comment: area(value("comment"), 3, 2000),
    authors: area(value("authors", []).join("\n"), 2),
    sources: area(value("sources", []).join("\n"), 2),
    tags: h("input", { type: "text", value: value("tags", []).join(", ") }),
    handout: area(question && question.handout ? question.handout.text || "" : "", 3, 999),
  };
  controls.text.required = true;
  const file = h("input", { type: "file", accept: IMAGE_TYPES.join(",") });
  const preview = h("div", { class: "preview" });
  const imageError = h("p", { class: "field-error", role: "alert" });
  let removeImage = false;
  let hasImage = Boolean(question && question.handout && question.handout.image);
  const imageNote = h("p", { class: "hint" });

  function showStored() {
    fill(preview);
    if (hasImage && !removeImage) {
      add(preview,
        h("img", { src: `/api/questions/${id}/image?v=${Date.now()}`, alt: "Раздаточный материал (картинка)" }),
        h("button", {
          type: "button",
          class: "btn small danger",
          onclick: () => {
            removeImage = true;
            showStored();
          },
        }, "Убрать картинку"),
      );
    } else if (removeImage) {
      add(preview,
        h("p", { class: "hint" }, "Картинка будет удалена при сохранении."),
        h("button", {
          type: "button",
          class: "btn small",
          onclick: () => {
            removeImage = false;
            showStored();
          },
        }, "Оставить картинку"),
      );
    }
  }

  file.addEventListener("change", () => {
    imageError.textContent = "";
    const chosen = file.files[0];
    if (!chosen) {
      showStored();
      return;
    }
    if (!IMAGE_TYPES.includes(chosen.type)) {
      imageError.textContent = "Нужна картинка PNG, JPEG или GIF.";
      file.value = "";
      return;
    }
    if (chosen.size > MAX_IMAGE_BYTES) {
      imageError.textContent = `Файл больше ${MAX_IMAGE_BYTES / 1024 / 1024} МБ.`;
      file.value = "";
      return;
    }
    const reader = new FileReader(); // a data: URL, which the page's CSP allows for images
    reader.addEventListener("load", () => {
      fill(preview, h("img", { src: String(reader.result), alt: `Новая картинка: ${chosen.name}` }));
    });
    reader.readAsDataURL(chosen);
  });
  showStored();

  const formError = h("p", { class: "form-error", role: "alert" });
  const save = h("button", { type: "submit", class: "btn primary" }, id === null ? "Создать" : "Сохранить");
  const form = h(
    "form",
    { class: "card form", novalidate: true },
    field("Текст вопроса", controls.text, { name: "text" }),
    field("Ответ", controls.answer, { name: "answer" }),
    h("div", { class: "grid2" },
      field("Зачёт", controls.alternatives, { name: "alternatives", hint: "Другие верные ответы, по одному на строку." }),
      field("Незачёт", controls.rejected, { name: "rejected", hint: "Ответы, которые не засчитываются, по одному на строку." })),
    field("Комментарий", controls.comment, { name: "comment" }),
    h("div", { class: "grid2" },
      field("Авторы", controls.authors, { name: "authors", hint: "По одному на строку." }),
      field("Источники", controls.sources, { name: "sources", hint: "По одному на строку." })),
    field("Теги", controls.tags, { name: "tags", hint: "Через запятую." }),
    h("fieldset", { class: "handout" },
      h("legend", {}, "Раздаточный материал"),
      field("Текст раздатки", controls.handout, { name: "handout", hint: "Показывается вместе с вопросом." }),
      field("Картинка", file, { name: "image", hint: "PNG, JPEG или GIF, до 20 МБ." }),
      imageError,
      imageNote,
      preview),
    formError,
    h("div", { class: "actions" },
      save,
      h("a", { class: "btn", href: "#/questions" }, "К списку"),
      id !== null
        ? h("button", { type: "button", class: "btn danger", onclick: () => remove(question, ctx) }, "Удалить")
        : null),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    imageError.textContent = "";
    const body = {
      text: controls.text.value,
      answer: controls.answer.value,
      alternatives: lines(controls.alternatives.value),
      rejected: lines(controls.rejected.value),
      comment: controls.comment.value.trim() || null,
      authors: lines(controls.authors.value),
      sources: lines(controls.sources.value),
      tags: controls.tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      handout: { text: controls.handout.value.trim() || null },
    };
    const missing = {};
    if (!body.text.trim()) missing.text = ["Обязательное поле."];
    if (!body.answer.trim()) missing.answer = ["Обязательное поле."];
    if (Object.keys(missing).length) {
      showErrors(form, missing);
      return;
    }
    save.disabled = true;
    let saved;
    try {
      if (id === null) saved = await post("/api/questions", body);
      else {
        // Only what changed: a pack's question may be longer than a typed one may be.
        const before = {
          text: question.text,
          answer: question.answer,
          alternatives: question.alternatives,
          rejected: question.rejected,
          comment: question.comment || null,
          authors: question.authors,
          sources: question.sources,
          tags: question.tags,
          handout: { text: (question.handout && question.handout.text) || null },
        };
        const changes = {};
        for (const [key, now] of Object.entries(body)) {
          if (JSON.stringify(now) !== JSON.stringify(before[key])) changes[key] = now;
        }
        saved = Object.keys(changes).length ? await patch(`/api/questions/${id}`, changes) : question;
      }
    } catch (error) {
      save.disabled = false;
      const left = error.status === 422 ? showErrors(form, error.fields) : [];
      formError.textContent = error.status === 422 && !left.length ? "Исправьте отмеченные поля." : [ru(error.message), ...left].join(" ");
      return;
    }
    try {
      const chosen = file.files[0];
      if (chosen) {
        const data = new FormData();
        data.append("file", chosen, chosen.name);
        await api("PUT", `/api/questions/${saved.id}/image`, { form: data });
      } else if (removeImage && hasImage) {
        await del(`/api/questions/${saved.id}/image`);
      }
    } catch (error) {
      save.disabled = false;
      imageError.textContent = `Вопрос сохранён, но картинка — нет: ${[ru(error.message), ...(error.fields ? Object.values(error.fields).flat() : [])].join(" ")}`;
      if (id === null) ctx.go(`#/questions/${saved.id}`);
      return;
    }
    toast(id === null ? `Вопрос № ${saved.id} создан.` : `Вопрос № ${saved.id} сохранён.`);
    if (id === null) ctx.go(`#/questions/${saved.id}`);
    else ctx.reload();
  });

  const where = question && question.pack_id
    ? h("p", { class: "hint" }, "Из пакета ", h("a", { href: `#/packs/${question.pack_id}` }, `№ ${question.pack_id}`),
      question.tour ? `, тур ${question.tour}` : "", question.number ? `, вопрос ${question.number}` : "")
    : null;
  add(root,
    h("nav", { class: "crumbs", "aria-label": "Путь" }, h("a", { href: "#/questions" }, "Вопросы"), " / ",
      id === null ? "новый" : `№ ${id}`),
    h("h1", {}, id === null ? "Новый вопрос" : `Вопрос № ${id}`),
    where,
    form,
  );
  controls.text.focus();
}
