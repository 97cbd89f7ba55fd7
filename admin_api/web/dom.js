// DOM helpers. Everything the page shows is built with createElement and text nodes: data
// (question texts, answers, names, server messages) never goes through innerHTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// h("a", {href: "#/packs/1", class: "x", onclick: fn}, "text", otherNode)
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key in el && !key.includes("-") && key !== "list" && key !== "form") {
      el[key] = value;
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

// An SVG element: attributes only (numbers and our own strings), children as for h().
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

let ids = 0;
export function uid(prefix = "f") {
  ids += 1;
  return `${prefix}-${ids}`;
}

// --- formatting ---------------------------------------------------------------------------

const dateTime = new Intl.DateTimeFormat("ru-RU", {
  day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
});
const shortDate = new Intl.DateTimeFormat("ru-RU", { day: "2-digit", month: "2-digit" });

export function fmtDateTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : dateTime.format(date);
}

export function fmtShortDate(iso) {
  const date = new Date(`${iso}T00:00:00`);
  return Number.isNaN(date.getTime()) ? String(iso) : shortDate.format(date);
}

export function fmtDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const m = Math.floor(total / 60);
  const rest = total % 60;
  return m ? `${m}:${String(rest).padStart(2, "0")}` : `${rest} с`;
}

export function fmtPercent(rate) {
  return rate === null || rate === undefined ? "—" : `${Math.round(rate * 100)} %`;
}

export function excerpt(text, length = 140) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

// --- server messages in Russian -------------------------------------------------------------

const MESSAGES = [
  [/^Missing data for required field\.$/, () => "Обязательное поле."],
  [/^Field may not be null\.$/, () => "Обязательное поле."],
  [/^Not a valid integer\.$/, () => "Нужно целое число."],
  [/^Not a valid string\.$/, () => "Нужен текст."],
  [/^Must not be empty or only whitespace\.$/, () => "Не может быть пустым."],
  [/^Must not contain NUL characters\.$/, () => "Недопустимый символ NUL."],
  [/^Must be greater than or equal to (-?\d+) and less than or equal to (-?\d+)\.$/,
    (m) => `Допустимо от ${m[1]} до ${m[2]}.`],
  [/^Must be one of: (.*)\.$/, (m) => `Допустимые значения: ${m[1]}.`],
  [/^Longer than maximum length (\d+)\.$/, (m) => `Не длиннее ${m[1]} символов.`],
  [/^Shorter than minimum length (\d+)\.$/, (m) => `Не короче ${m[1]} символов.`],
  [/^There is no pack (\d+)\.$/, (m) => `Пакета ${m[1]} нет.`],
  [/^Pack (\d+) is disabled; enable it first\.$/, (m) => `Пакет ${m[1]} выключен: сначала включите его.`],
];

export function ru(message) {
  const text = String(message);
  for (const [pattern, render] of MESSAGES) {
    const match = pattern.exec(text);
    if (match) return render(match);
  }
  return text;
}

// A 422's per-field value (a list of messages, or nested by index or key) as flat lines.
export function flatten(value, prefix = "") {
  if (value === null || value === undefined) return [];
  if (typeof value === "string") return [prefix ? `${prefix}: ${ru(value)}` : ru(value)];
  if (Array.isArray(value)) return value.flatMap((item) => flatten(item, prefix));
  if (typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => {
      const where = /^\d+$/.test(key) ? `№ ${Number(key) + 1}` : key;
      return flatten(item, prefix ? `${prefix}, ${where}` : where);
    });
  }
  return [String(value)];
}

// --- forms ----------------------------------------------------------------------------------

// A labelled field: <div class="field"><label/>control<p hint/><p error/></div>.
// ``control`` is an <input>, <select> or <textarea> created by the caller.
export function field(label, control, { hint, name } = {}) {
  const id = control.id || uid("f");
  control.id = id;
  if (name) control.name = name;
  const error = h("p", { class: "field-error", id: `${id}-error`, dataset: { errorFor: control.name || "" } });
  const described = [`${id}-error`];
  let hintEl = null;
  if (hint) {
    hintEl = h("p", { class: "hint", id: `${id}-hint` }, hint);
    described.unshift(`${id}-hint`);
  }
  control.setAttribute("aria-describedby", described.join(" "));
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl, error);
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll(".field-error, .form-error")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

// Shows a 422's ``fields`` next to the fields they name; returns the lines it could not place.
export function showErrors(form, fields) {
  const left = [];
  let first = null;
  for (const [name, value] of Object.entries(fields || {})) {
    const slot = form.querySelector(`.field-error[data-error-for="${CSS.escape(name)}"]`);
    const lines = flatten(value);
    if (!slot) {
      left.push(...flatten(value, name));
      continue;
    }
    slot.textContent = lines.join(" ");
    const control = form.elements.namedItem(name);
    if (control && control.setAttribute) {
      control.setAttribute("aria-invalid", "true");
      first = first || control;
    }
  }
  if (first) first.focus();
  return left;
}

// --- feedback -------------------------------------------------------------------------------

let toastTimer = 0;
export function toast(text, kind = "ok") {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.dataset.kind = kind;
  el.classList.add("shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("shown"), 4000);
}

// A modal confirmation (a <dialog>): resolves true for «OK», false for cancel or Escape.
export function confirmAction(question, okLabel, { danger = true } = {}) {
  return new Promise((resolve) => {
    const title = uid("confirm");
    const cancel = h("button", { type: "submit", value: "cancel", class: "btn", autofocus: true }, "Отмена");
    const ok = h("button", { type: "submit", value: "ok", class: danger ? "btn danger" : "btn primary" }, okLabel);
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": title },
      h("form", { method: "dialog" },
        h("h2", { id: title }, question),
        h("div", { class: "actions" }, cancel, ok)),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

export function emptyRow(columns, text) {
  return h("tr", {}, h("td", { colspan: columns, class: "empty" }, text));
}

// A table that scrolls sideways on a narrow screen; each cell carries its column's name
// (data-label) so the CSS can turn rows into cards on a phone.
export function table(headers, rows, { caption, className = "" } = {}) {
  const head = h("thead", {}, h("tr", {}, headers.map((name) => h("th", { scope: "col" }, name))));
  for (const row of rows) {
    [...row.children].forEach((cell, index) => {
      if (!cell.dataset.label && headers[index]) cell.dataset.label = headers[index];
    });
  }
  const body = h("tbody", {}, rows.length ? rows : emptyRow(headers.length, "Пусто"));
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: `table ${className}` }, caption ? h("caption", {}, caption) : null, head, body),
  );
}

export function pager(total, limit, offset, go) {
  if (total <= limit) return h("p", { class: "hint" }, `Всего: ${total}`);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.ceil(total / limit);
  return h(
    "nav",
    { class: "pager", "aria-label": "Страницы" },
    h("button", { type: "button", class: "btn", disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, "← Назад"),
    h("span", { class: "pager-info" }, `Страница ${page} из ${pages} · всего ${total}`),
    h("button", { type: "button", class: "btn", disabled: offset + limit >= total, onclick: () => go(offset + limit) }, "Вперёд →"),
  );
}

export function loading() {
  return h("p", { class: "loading", role: "status" }, "Загрузка…");
}

export function errorBox(error) {
  return h("p", { class: "form-error", role: "alert" }, error && error.message ? ru(error.message) : String(error));
}

// el.replaceChildren / el.append that flatten arrays and skip null, undefined and false.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function add(el, ...children) {
  append(el, children);
  return el;
}
