// «Пакеты»: the imported packs with their counts, importing a pack file (.txt, .4s, .xml, or a
// .zip with its pictures) with the importer's «FILE:LINE: problem» shown in place, enabling
// and disabling, and one pack's tours and questions, pictures included.

import { api, del, get, patch } from "./api.js";
import { add, confirmAction, errorBox, field, fill, h, loading, ru, table, toast } from "./dom.js";

// The server's caps (app/packs/limits.py): a pack file 10 MB, a zip 50 MB.
const MB = 1024 * 1024;
const MAX_FILE_BYTES = 10 * MB;
const MAX_ZIP_BYTES = 50 * MB;
const EXTENSIONS = [".txt", ".4s", ".xml", ".zip"];

export async function render(root, ctx) {
  const [first] = ctx.args;
  if (first && /^\d+$/.test(first)) return renderPack(root, ctx, Number(first));
  return renderList(root, ctx);
}

function importForm(ctx) {
  const file = h("input", { type: "file", accept: EXTENSIONS.join(","), required: true });
  const format = h("select", {},
    h("option", { value: "" }, "по расширению файла"),
    h("option", { value: "txt" }, "txt (формат базы вопросов)"),
    h("option", { value: "4s" }, "4s"),
    h("option", { value: "xml" }, "xml"));
  const problem = h("div", { class: "import-error", role: "alert" });
  const button = h("button", { type: "submit", class: "btn primary" }, "Импортировать");
  const form = h(
    "form",
    { class: "card import", novalidate: true },
    h("h2", {}, "Импорт пакета"),
    h("div", { class: "grid2" },
      field("Файл пакета (.txt, .4s, .xml или .zip с картинками)", file, { name: "file", hint: "До 10 МБ, zip — до 50 МБ." }),
      field("Формат", format, { name: "format" })),
    problem,
    h("div", { class: "actions" }, button),
  );
  const fail = (title, detail) => {
    fill(problem, h("strong", {}, title), detail ? h("pre", { class: "import-line" }, detail) : null);
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    fill(problem);
    const chosen = file.files[0];
    if (!chosen) {
      fail("Выберите файл пакета.");
      file.focus();
      return;
    }
    const name = chosen.name.toLowerCase();
    const isZip = name.endsWith(".zip");
    if (!format.value && !EXTENSIONS.some((ext) => name.endsWith(ext))) {
      fail("Неизвестное расширение файла.", "Нужен .txt, .4s, .xml или .zip — или выберите формат.");
      return;
    }
    const cap = isZip ? MAX_ZIP_BYTES : MAX_FILE_BYTES;
    if (chosen.size > cap) {
      fail("Файл слишком большой.", `${(chosen.size / MB).toFixed(1)} МБ, а можно до ${cap / MB} МБ.`);
      return;
    }
    const data = new FormData();
    data.append("file", chosen, chosen.name);
    if (format.value) data.append("format", format.value);
    button.disabled = true;
    button.textContent = "Импорт…";
    try {
      const pack = await api("POST", "/api/packs/import", { form: data });
      toast(`Пакет «${pack.title}» импортирован: ${pack.questions} вопр.`);
      form.reset();
      ctx.reload();
    } catch (error) {
      if (error.code === "invalid_pack") fail("Пакет не импортирован — ничего не записано:", error.message);
      else if (error.code === "duplicate_pack") {
        const id = /pack (\d+)/.exec(error.message);
        fill(problem,
          h("strong", {}, "Этот файл уже импортирован"),
          id ? [" как ", h("a", { href: `#/packs/${id[1]}` }, `пакет № ${id[1]}`), "."] : ".",
        );
      } else if (error.status === 413) fail("Файл слишком большой.", ru(error.message));
      else fail("Не получилось:", [ru(error.message), ...(error.fields ? Object.values(error.fields).flat() : [])].join(" "));
    } finally {
      button.disabled = false;
      button.textContent = "Импортировать";
    }
  });
  return form;
}

async function toggle(pack, checkbox) {
  checkbox.disabled = true;
  try {
    const saved = await patch(`/api/packs/${pack.id}`, { enabled: checkbox.checked });
    pack.enabled = saved.enabled;
    toast(saved.enabled ? `Пакет «${saved.title}» включён.` : `Пакет «${saved.title}» выключен.`);
  } catch (error) {
    checkbox.checked = pack.enabled;
    toast(ru(error.message), "error");
  } finally {
    checkbox.disabled = false;
  }
}

function enabledSwitch(pack) {
  const checkbox = h("input", { type: "checkbox", checked: pack.enabled });
  checkbox.addEventListener("change", () => toggle(pack, checkbox));
  return h("label", { class: "switch" }, checkbox, " в играх");
}

async function renderList(root, ctx) {
  const list = h("div", {}, loading());
  add(root, h("h1", {}, "Пакеты"), importForm(ctx), h("h2", {}, "Импортированные пакеты"), list);
  let data;
  try {
    data = await get("/api/packs", { limit: 100 });
  } catch (error) {
    fill(list, errorBox(error));
    return;
  }
  if (!ctx.alive()) return;
  const rows = data.items.map((pack) => h(
    "tr",
    { dataset: { pack: String(pack.id) } },
    h("td", { class: "wide" }, h("a", { href: `#/packs/${pack.id}` }, pack.title)),
    h("td", {}, pack.editors.join(", ") || "—"),
    h("td", {}, pack.date || "—"),
    h("td", { class: "num" }, String(pack.tours)),
    h("td", { class: "num" }, String(pack.questions)),
    h("td", { class: "num" }, String(pack.pictures)),
    h("td", {}, enabledSwitch(pack)),
  ));
  fill(list,
    table(["Пакет", "Редакторы", "Дата", "Туров", "Вопросов", "Картинок", "Включён"], rows, { className: "packs" }),
    data.total > data.items.length ? h("p", { class: "hint" }, `Показаны ${data.items.length} из ${data.total}.`) : null,
  );
}

function listBlock(title, items) {
  if (!items || !items.length) return null;
  return h("div", { class: "kv" }, h("span", { class: "k" }, `${title}: `), items.join("; "));
}

function questionCard(question) {
  const handout = question.handout;
  return h(
    "article",
    { class: "card question", dataset: { question: String(question.id) } },
    h("h4", {}, `Вопрос ${question.number}`, " ",
      h("a", { class: "small-link", href: `#/questions/${question.id}`, "aria-label": `Изменить вопрос ${question.number}` }, "изменить")),
    handout && handout.text ? h("blockquote", { class: "handout-text" }, handout.text) : null,
    handout && handout.image
      ? h("img", {
        class: "handout-img",
        src: `/api/questions/${question.id}/image`,
        alt: `Раздаточный материал к вопросу ${question.number}`,
        loading: "lazy",
      })
      : null,
    h("p", { class: "q-text" }, question.text),
    h("div", { class: "kv" }, h("span", { class: "k" }, "Ответ: "), h("strong", {}, question.answer)),
    listBlock("Зачёт", question.alternatives),
    listBlock("Незачёт", question.rejected),
    question.comment ? h("div", { class: "kv" }, h("span", { class: "k" }, "Комментарий: "), question.comment) : null,
    listBlock("Источники", question.sources),
    listBlock("Авторы", question.authors),
  );
}

async function renderPack(root, ctx, id) {
  add(root, loading());
  let pack;
  try {
    pack = await get(`/api/packs/${id}`);
  } catch (error) {
    fill(root, h("h1", {}, "Пакет"), errorBox(error));
    return;
  }
  if (!ctx.alive()) return;
  const tours = new Map();
  for (const question of pack.items) {
    if (!tours.has(question.tour)) tours.set(question.tour, []);
    tours.get(question.tour).push(question);
  }
  const title = h("input", { type: "text", value: pack.title, maxLength: 500, required: true });
  const rename = h("form", { class: "inline-form" }, field("Название", title, { name: "title" }),
    h("button", { type: "submit", class: "btn" }, "Переименовать"));
  rename.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await patch(`/api/packs/${id}`, { title: title.value });
      toast("Название сохранено.");
      ctx.reload();
    } catch (error) {
      toast([ru(error.message), ...(error.fields ? Object.values(error.fields).flat().map(ru) : [])].join(" "), "error");
    }
  });
  const remove = h("button", {
    type: "button",
    class: "btn danger",
    onclick: async () => {
      if (!(await confirmAction(`Удалить пакет «${pack.title}» и все его вопросы?`, "Удалить пакет"))) return;
      try {
        await del(`/api/packs/${id}`);
        toast(`Пакет «${pack.title}» удалён.`);
        ctx.go("#/packs");
      } catch (error) {
        toast(ru(error.message), "error");
      }
    },
  }, "Удалить пакет");
  fill(root,
    h("nav", { class: "crumbs", "aria-label": "Путь" }, h("a", { href: "#/packs" }, "Пакеты"), " / ", `№ ${id}`),
    h("h1", {}, pack.title),
    h("p", { class: "meta" },
      [pack.editors.length ? `Редакторы: ${pack.editors.join(", ")}` : null, pack.date ? `Дата: ${pack.date}` : null,
        `туров: ${pack.tours}`, `вопросов: ${pack.questions}`, `картинок: ${pack.pictures}`].filter(Boolean).join(" · ")),
    h("div", { class: "toolbar" }, enabledSwitch(pack), rename, remove),
    [...tours.entries()].map(([tour, questions]) => h(
      "section",
      { class: "tour", "aria-label": `Тур ${tour}` },
      h("h2", {}, `Тур ${tour}`),
      questions.map(questionCard),
    )),
    pack.items.length ? null : h("p", { class: "hint" }, "В пакете нет вопросов."),
  );
}
