// The emulator's web chat. Plain JS, no build step. It only uses the control API:
//   GET  /control/world                  snapshot: world info, community, users, chats
//   GET  /control/chats/{peer}/messages  a chat's messages
//   GET  /control/stream?after=SEQ       Server-Sent Events: activity-log entries + "world" events
//   POST /control/chats/{peer}/messages  send as a member
//   POST /control/chats/{peer}/press     press a keyboard button as a member
//   POST /control/users, /control/chats, /control/chats/{peer}/members, .../invite_bot
// and shows photo attachments from their sizes[].url (the emulator's GET /photo/{key}.{ext}).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const GROUP_GAP_SECONDS = 300;
  const TOAST_MS = 3500;
  const AVATAR_COLORS = ["#e64646", "#ff9e00", "#4bb34b", "#2688eb", "#7f5fcf", "#00a3a3", "#e6578a", "#5181b8"];

  const state = {
    info: null, // {world_id, epoch, version, seq}
    group: { id: 0, name: "Сообщество" },
    botId: 0,
    users: new Map(), // user id -> user
    chats: new Map(), // peer id -> chat (with last_message)
    current: null, // selected peer id
    caches: new Map(), // peer id -> {loaded, pending: [], list: Map(cmid -> message)}
    unread: new Map(), // peer id -> count
    source: null, // EventSource
    queue: Promise.resolve(), // user actions run in order
  };

  // --- HTTP -------------------------------------------------------------------------------

  async function api(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const reason = data && data.error ? data.error : `HTTP ${response.status}`;
      throw new Error(reason);
    }
    return data;
  }

  // Runs user actions one after another, so two quick messages arrive in the order typed.
  function enqueue(action) {
    const run = state.queue.then(action);
    state.queue = run.catch(() => undefined);
    return run;
  }

  // --- names and formatting ---------------------------------------------------------------

  function fullName(user) {
    return [user.first_name, user.last_name].filter(Boolean).join(" ");
  }

  function senderName(fromId) {
    if (fromId < 0) return state.group.name;
    const user = state.users.get(fromId);
    return user ? user.first_name : `id${fromId}`;
  }

  function avatarFor(id, text) {
    const el = document.createElement("span");
    el.className = "avatar";
    el.setAttribute("aria-hidden", "true");
    el.textContent = (text || "?").trim().charAt(0).toUpperCase() || "?";
    el.style.setProperty("--avatar", id < 0 ? "#0077ff" : AVATAR_COLORS[Math.abs(id) % AVATAR_COLORS.length]);
    return el;
  }

  const timeFormat = new Intl.DateTimeFormat("ru-RU", { hour: "2-digit", minute: "2-digit" });
  const dayFormat = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "long", year: "numeric" });

  function timeOf(seconds) {
    return timeFormat.format(new Date(seconds * 1000));
  }

  function dayOf(seconds) {
    const date = new Date(seconds * 1000);
    const today = new Date();
    if (date.toDateString() === today.toDateString()) return "Сегодня";
    return dayFormat.format(date);
  }

  // VK mentions ([id1|Анна], [club1|@bot]) become highlighted names, links become links.
  const TOKENS = /\[(?:id|club|public)\d+\|([^\]]+)\]|(https?:\/\/[^\s<>"]+)/g;

  function fillText(el, text) {
    let last = 0;
    for (const match of text.matchAll(TOKENS)) {
      el.append(text.slice(last, match.index));
      if (match[1] !== undefined) {
        const span = document.createElement("span");
        span.className = "mention";
        span.textContent = match[1];
        el.append(span);
      } else {
        const link = document.createElement("a");
        link.href = match[2];
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.textContent = match[2];
        el.append(link);
      }
      last = match.index + match[0].length;
    }
    el.append(text.slice(last));
  }

  function previewOf(message) {
    if (!message) return "нет сообщений";
    if (message.action) return serviceText(message);
    const text = (message.text || "").split("\n")[0] || (photosOf(message).length ? "Фотография" : "");
    return `${senderName(message.from_id)}: ${text}`;
  }

  function serviceText(message) {
    const action = message.action || {};
    const who = senderName(message.from_id);
    if (action.type === "chat_invite_user") {
      const whom = action.member_id < 0 ? `сообщество «${state.group.name}»` : senderName(action.member_id);
      return `${who} приглашает ${whom}`;
    }
    if (action.type === "chat_kick_user") return `${who} исключает ${senderName(action.member_id)}`;
    return `${who}: ${action.type || "действие"}`;
  }

  // --- toast ------------------------------------------------------------------------------

  let toastTimer = 0;

  function toast(text, isError = false) {
    const el = $("toast");
    el.textContent = text;
    el.classList.toggle("error", isError);
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      el.hidden = true;
    }, TOAST_MS);
  }

  function reportError(error) {
    toast(`Ошибка: ${error.message || error}`, true);
  }

  // --- the acting member -----------------------------------------------------------------

  // localStorage may be unavailable (privacy settings); the page then just forgets choices.
  const saved = {
    get(key) {
      try {
        return localStorage.getItem(key);
      } catch (_) {
        return null;
      }
    },
    set(key, value) {
      try {
        localStorage.setItem(key, value);
      } catch (_) {
        /* not remembered */
      }
    },
  };

  function memberKey(peer) {
    return `webchat.member.${state.info ? state.info.world_id : ""}.${peer}`;
  }

  function actingMember(peer) {
    const chat = state.chats.get(peer);
    if (!chat || chat.member_ids.length === 0) return null;
    const remembered = Number(saved.get(memberKey(peer)));
    return chat.member_ids.includes(remembered) ? remembered : chat.member_ids[0];
  }

  function setActingMember(peer, userId) {
    saved.set(memberKey(peer), String(userId));
  }

  // --- world snapshot ---------------------------------------------------------------------

  async function fetchWorld() {
    const world = await api("GET", "/control/world");
    state.info = { world_id: world.world_id, epoch: world.epoch, version: world.version, seq: world.seq };
    state.group = world.group;
    state.botId = world.bot_id;
    state.users = new Map(world.users.map((u) => [u.id, u]));
    const chats = new Map();
    for (const chat of world.chats) {
      const known = state.chats.get(chat.peer_id);
      // Keep a newer last message the stream already delivered.
      if (known && newer(known.last_message, chat.last_message)) chat.last_message = known.last_message;
      chats.set(chat.peer_id, chat);
    }
    state.chats = chats;
    return world;
  }

  function newer(a, b) {
    if (!a) return false;
    if (!b) return true;
    if (a.conversation_message_id !== b.conversation_message_id) return a.conversation_message_id > b.conversation_message_id;
    return a.edits > b.edits;
  }

  async function refreshStructure() {
    await fetchWorld();
    if (state.current !== null && !state.chats.has(state.current)) state.current = null;
    renderAll();
  }

  async function fullReload() {
    closeStream();
    state.caches.clear();
    state.unread.clear();
    state.chats.clear();
    const world = await fetchWorld();
    if (state.current !== null && !state.chats.has(state.current)) state.current = null;
    if (state.current === null && state.chats.size > 0) state.current = initialChat();
    renderAll();
    if (state.current !== null) await loadMessages(state.current);
    openStream(world.seq);
  }

  function initialChat() {
    const fromHash = Number(location.hash.replace(/^#/, ""));
    if (state.chats.has(fromHash)) return fromHash;
    const remembered = Number(saved.get("webchat.chat"));
    if (state.chats.has(remembered)) return remembered;
    return sortedChats()[0].peer_id;
  }

  // --- messages ---------------------------------------------------------------------------

  function cacheOf(peer) {
    let cache = state.caches.get(peer);
    if (!cache) {
      cache = { loaded: false, loading: null, pending: [], list: new Map() };
      state.caches.set(peer, cache);
    }
    return cache;
  }

  function putMessage(cache, message) {
    const old = cache.list.get(message.conversation_message_id);
    if (old && old.edits > message.edits) return false; // an older version replayed late
    cache.list.set(message.conversation_message_id, message);
    return true;
  }

  async function loadMessages(peer) {
    const cache = cacheOf(peer);
    if (cache.loaded) return;
    if (!cache.loading) {
      cache.loading = (async () => {
        const messages = await api("GET", `/control/chats/${peer}/messages`);
        for (const message of messages) putMessage(cache, message);
        // Entries that arrived while the list was on its way.
        for (const message of cache.pending) putMessage(cache, message);
        cache.pending = [];
        cache.loaded = true;
      })().finally(() => {
        cache.loading = null;
      });
    }
    await cache.loading;
    if (peer === state.current) renderMessages({ scroll: true });
  }

  function onMessage(message, kind) {
    const peer = message.peer_id;
    const chat = state.chats.get(peer);
    if (!chat) {
      refreshStructure().catch(reportError);
      return;
    }
    if (newer(message, chat.last_message) || !chat.last_message) chat.last_message = message;
    if (kind !== "bot_edit" && peer !== state.current) {
      state.unread.set(peer, (state.unread.get(peer) || 0) + 1);
    }
    const cache = cacheOf(peer);
    if (cache.loaded) {
      if (putMessage(cache, message) && peer === state.current) updateMessage(message);
    } else if (cache.loading) {
      cache.pending.push(message);
    }
    renderChatList();
  }

  function onEventAnswer(answer) {
    if (answer.peer_id !== state.current || answer.user_id !== actingMember(answer.peer_id)) return;
    const data = answer.event_data || {};
    if (data.type === "show_snackbar") toast(data.text);
    else if (data.type === "open_link") toast(`Ссылка: ${data.link}`);
  }

  // --- rendering: chat list ---------------------------------------------------------------

  function sortedChats() {
    return [...state.chats.values()].sort((a, b) => {
      const da = a.last_message ? a.last_message.date : 0;
      const db = b.last_message ? b.last_message.date : 0;
      return db - da || a.peer_id - b.peer_id;
    });
  }

  function renderChatList() {
    const list = $("chat-list");
    const items = [];
    for (const chat of sortedChats()) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chat-item";
      button.dataset.peer = String(chat.peer_id);
      if (chat.peer_id === state.current) button.setAttribute("aria-current", "true");
      const avatar = avatarFor(chat.chat_id + 3, chat.title);
      avatar.classList.add("big");
      const main = document.createElement("span");
      main.className = "chat-main";
      const name = document.createElement("span");
      name.className = "chat-name";
      name.textContent = chat.title;
      const preview = document.createElement("span");
      preview.className = "chat-preview";
      preview.textContent = previewOf(chat.last_message);
      main.append(name, preview);
      const meta = document.createElement("span");
      meta.className = "chat-meta";
      if (chat.last_message) {
        const time = document.createElement("time");
        time.textContent = timeOf(chat.last_message.date);
        meta.append(time);
      }
      const unread = state.unread.get(chat.peer_id) || 0;
      if (unread > 0) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = String(unread);
        badge.setAttribute("aria-label", `непрочитанных: ${unread}`);
        meta.append(badge);
      }
      button.append(avatar, main, meta);
      li.append(button);
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  // --- rendering: conversation ------------------------------------------------------------

  function renderHeader() {
    const chat = state.chats.get(state.current);
    const welcome = !chat;
    $("welcome").hidden = !welcome;
    $("chat-view").hidden = welcome;
    if (welcome) {
      $("welcome-text").textContent = state.chats.size
        ? "Выберите беседу слева или создайте новую."
        : "Здесь можно играть в «Что? Где? Когда?» с ботом за любого участника беседы. Создайте беседу с игроками, чтобы начать.";
      return;
    }
    $("chat-title").textContent = chat.title;
    const names = chat.member_ids.map((id) => senderName(id));
    const count = chat.member_ids.length + (chat.bot_member ? 1 : 0);
    $("chat-sub").textContent = `${count} ${plural(count, "участник", "участника", "участников")}` +
      (chat.bot_member ? ` · ${names.join(", ")} и бот` : ` · ${names.join(", ")} · бота нет в беседе`);
    $("invite-bot").hidden = chat.bot_member;

    const select = $("as-member");
    const acting = actingMember(chat.peer_id);
    select.replaceChildren(
      ...chat.member_ids.map((id) => {
        const user = state.users.get(id);
        const option = document.createElement("option");
        option.value = String(id);
        option.textContent = user ? fullName(user) : `id${id}`;
        option.selected = id === acting;
        return option;
      }),
    );
    select.disabled = chat.member_ids.length === 0;
    $("input").disabled = acting === null;
    $("send").disabled = acting === null;
    $("input").placeholder = acting === null ? "Добавьте участника, чтобы писать" : "Напишите сообщение…";
  }

  function plural(n, one, few, many) {
    const m10 = n % 10;
    const m100 = n % 100;
    if (m10 === 1 && m100 !== 11) return one;
    if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
    return many;
  }

  function isContinuation(prev, message) {
    return Boolean(
      prev && !prev.action && !message.action && prev.from_id === message.from_id &&
      message.date - prev.date < GROUP_GAP_SECONDS && dayOf(prev.date) === dayOf(message.date),
    );
  }

  function buttonClass(color) {
    return { primary: "kb-primary", positive: "kb-positive", negative: "kb-negative" }[color] || "kb-secondary";
  }

  function renderKeyboard(message) {
    const keyboard = message.keyboard;
    if (!keyboard || !Array.isArray(keyboard.buttons) || keyboard.buttons.length === 0) return null;
    const box = document.createElement("div");
    box.className = "keyboard";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Кнопки сообщения");
    keyboard.buttons.forEach((row, r) => {
      const rowEl = document.createElement("div");
      rowEl.className = "kb-row";
      row.forEach((button, c) => {
        const action = button.action || {};
        const label = action.label || action.type || "?";
        let el;
        if (action.type === "open_link" && /^https?:\/\//.test(action.link || "")) {
          el = document.createElement("a");
          el.href = action.link;
          el.target = "_blank";
          el.rel = "noopener noreferrer";
        } else {
          el = document.createElement("button");
          el.type = "button";
          el.dataset.cmid = String(message.conversation_message_id);
          el.dataset.row = String(r);
          el.dataset.col = String(c);
          if (action.type !== "callback" && action.type !== "text") {
            // vkpay, open_app, location, …, and links that are not http(s).
            el.disabled = true;
            el.title = `Кнопка «${action.type}» в эмуляторе не работает`;
          }
        }
        el.className = `kb-btn ${buttonClass(button.color)}`;
        el.textContent = label;
        rowEl.append(el);
      });
      box.append(rowEl);
    });
    return box;
  }

  // The photo attachments of a message (VK's {type: "photo", photo: {sizes: [...]}}).
  function photosOf(message) {
    return (message.attachments || []).filter((a) => a && a.type === "photo" && a.photo).map((a) => a.photo);
  }

  // The largest size up to 604 px (VK's "x"), else the smallest one there is.
  function pickSize(photo) {
    const sizes = (photo.sizes || [])
      .filter((s) => s && typeof s.url === "string" && /^https?:\/\//.test(s.url))
      .sort((a, b) => a.width * a.height - b.width * b.height);
    const fitting = sizes.filter((s) => Math.max(s.width, s.height) <= 604);
    return fitting.length ? fitting[fitting.length - 1] : sizes[0] || null;
  }

  function renderPhotos(message) {
    const photos = photosOf(message);
    if (photos.length === 0) return null;
    const box = document.createElement("div");
    box.className = "msg-photos";
    photos.forEach((photo, index) => {
      const size = pickSize(photo);
      if (!size) return;
      const img = document.createElement("img");
      img.src = size.url;
      img.alt = photos.length > 1 ? `Фотография ${index + 1} из ${photos.length}` : "Фотография";
      img.loading = "lazy";
      img.decoding = "async";
      if (size.width > 0 && size.height > 0) {
        img.width = size.width;
        img.height = size.height;
      }
      box.append(img);
    });
    return box;
  }

  function renderMessage(message, prev) {
    if (message.action) {
      const el = document.createElement("div");
      el.className = "service";
      el.dataset.cmid = String(message.conversation_message_id);
      el.textContent = serviceText(message);
      return el;
    }
    const el = document.createElement("article");
    const mine = message.from_id === actingMember(state.current);
    el.className = "msg" + (message.from_id < 0 ? " bot" : "") + (mine ? " mine" : "") +
      (isContinuation(prev, message) ? " cont" : "");
    el.dataset.cmid = String(message.conversation_message_id);
    el.dataset.from = String(message.from_id);
    const name = senderName(message.from_id);
    el.setAttribute("aria-label", `${name}, ${timeOf(message.date)}`);
    el.append(avatarFor(message.from_id, name));
    const body = document.createElement("div");
    body.className = "msg-body";
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    const author = document.createElement("div");
    author.className = "author";
    author.textContent = name;
    if (message.from_id > 0) author.style.color = AVATAR_COLORS[message.from_id % AVATAR_COLORS.length];
    const text = document.createElement("div");
    text.className = "msg-text";
    fillText(text, message.text || "");
    // Time (and the edit mark) sit at the end of the last line, as in VK.
    const meta = document.createElement("span");
    meta.className = "msg-meta";
    if (message.edits > 0) {
      const edited = document.createElement("span");
      edited.className = "edited";
      edited.textContent = "ред.";
      if (message.update_time) edited.title = `изменено в ${timeOf(message.update_time)}`;
      meta.append(edited, " ");
    }
    const time = document.createElement("time");
    time.dateTime = new Date(message.date * 1000).toISOString();
    time.textContent = timeOf(message.date);
    meta.append(time);
    text.append(meta);
    // As in VK: the text first, the photos under it.
    const photos = renderPhotos(message);
    bubble.append(author, text);
    if (photos) bubble.append(photos);
    body.append(bubble);
    const keyboard = message.keyboard && message.keyboard.inline ? renderKeyboard(message) : null;
    if (keyboard) body.append(keyboard);
    el.append(body);
    return el;
  }

  function dayMarker(message) {
    const el = document.createElement("div");
    el.className = "day";
    const label = document.createElement("span");
    label.textContent = dayOf(message.date);
    el.append(label);
    return el;
  }

  function orderedMessages(peer) {
    return [...cacheOf(peer).list.values()].sort((a, b) => a.conversation_message_id - b.conversation_message_id);
  }

  function nearBottom(el) {
    return el.scrollHeight - el.scrollTop - el.clientHeight < 120;
  }

  function renderMessages({ scroll = false } = {}) {
    const box = $("messages");
    const stick = scroll || nearBottom(box);
    const nodes = [];
    let prev = null;
    for (const message of orderedMessages(state.current)) {
      if (!prev || dayOf(prev.date) !== dayOf(message.date)) nodes.push(dayMarker(message));
      nodes.push(renderMessage(message, prev));
      prev = message;
    }
    box.replaceChildren(...nodes);
    renderReplyKeyboard();
    if (stick) box.scrollTop = box.scrollHeight;
  }

  // Replaces one message in place (an edit) or appends it; falls back to a full render.
  function updateMessage(message) {
    const box = $("messages");
    const stick = nearBottom(box) || message.from_id === actingMember(state.current);
    const messages = orderedMessages(state.current);
    const index = messages.findIndex((m) => m.conversation_message_id === message.conversation_message_id);
    const prev = index > 0 ? messages[index - 1] : null;
    const existing = box.querySelector(`:scope > [data-cmid="${message.conversation_message_id}"]`);
    if (existing) {
      existing.replaceWith(renderMessage(message, prev));
    } else if (index === messages.length - 1) {
      if (!prev || dayOf(prev.date) !== dayOf(message.date)) box.append(dayMarker(message));
      box.append(renderMessage(message, prev));
    } else {
      renderMessages();
      return;
    }
    renderReplyKeyboard();
    if (stick) box.scrollTop = box.scrollHeight;
  }

  // A non-inline keyboard (VK shows it under the input) from the newest bot message with one.
  function renderReplyKeyboard() {
    const old = document.querySelector(".reply-keyboard");
    if (old) old.remove();
    const messages = orderedMessages(state.current);
    const last = [...messages].reverse().find((m) => m.from_id < 0 && m.keyboard && !m.keyboard.inline);
    if (!last) return;
    const keyboard = renderKeyboard(last);
    if (!keyboard) return;
    const box = document.createElement("div");
    box.className = "reply-keyboard";
    box.append(keyboard);
    $("composer").before(box);
  }

  function renderAll() {
    renderChatList();
    renderHeader();
    if (state.current !== null && cacheOf(state.current).loaded) renderMessages();
    else if (state.current !== null) $("messages").replaceChildren();
  }

  async function selectChat(peer) {
    state.current = peer;
    state.unread.delete(peer);
    saved.set("webchat.chat", String(peer));
    history.replaceState(null, "", `#${peer}`);
    $("app").dataset.view = "chat";
    renderAll();
    if (cacheOf(peer).loaded) renderMessages({ scroll: true });
    else await loadMessages(peer);
  }

  // --- user actions -----------------------------------------------------------------------

  function findButton(peer, cmid, row, col) {
    const message = cacheOf(peer).list.get(cmid);
    const buttons = message && message.keyboard && message.keyboard.buttons;
    return buttons && buttons[row] ? buttons[row][col] : undefined;
  }

  async function press(el) {
    const peer = state.current;
    const userId = actingMember(peer);
    const cmid = Number(el.dataset.cmid);
    const button = findButton(peer, cmid, Number(el.dataset.row), Number(el.dataset.col));
    if (!button || userId === null) return;
    const action = button.action;
    const body = { user_id: userId, conversation_message_id: cmid };
    let payload = null;
    try {
      payload = action.payload ? JSON.parse(action.payload) : {};
    } catch (_) {
      payload = null;
    }
    // Callback buttons go by payload (labels may repeat); text buttons send their label.
    if (action.type === "callback" && payload && typeof payload === "object" && !Array.isArray(payload)) {
      body.payload = payload;
    } else {
      body.label = action.label;
    }
    el.setAttribute("aria-busy", "true");
    try {
      await enqueue(() => api("POST", `/control/chats/${peer}/press`, body));
    } finally {
      el.removeAttribute("aria-busy");
    }
  }

  async function send(text) {
    const peer = state.current;
    const fromId = actingMember(peer);
    if (fromId === null) throw new Error("в беседе нет участников");
    await enqueue(() => api("POST", `/control/chats/${peer}/messages`, { from_id: fromId, text }));
  }

  function splitName(raw) {
    const parts = raw.trim().split(/\s+/);
    return { first_name: parts[0], last_name: parts.slice(1).join(" ") };
  }

  async function createChat(form) {
    const title = form.elements.title.value.trim() || "Беседа";
    const names = form.elements.names.value.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
    const existing = [...form.querySelectorAll("input[name=existing]:checked")].map((el) => Number(el.value));
    const bot = form.elements.bot.value;
    if (names.length === 0 && existing.length === 0) throw new Error("добавьте хотя бы одного участника");
    const ids = [...existing];
    for (const name of names) ids.push((await api("POST", "/control/users", splitName(name))).id);
    const chat = await api("POST", "/control/chats", { title, member_ids: ids, bot_member: bot === "member" });
    if (bot === "invite") await api("POST", `/control/chats/${chat.peer_id}/invite_bot`, {});
    await refreshStructure();
    await selectChat(chat.peer_id);
  }

  async function addMember(form) {
    const peer = state.current;
    const name = form.elements.name.value.trim();
    let userId = Number(form.elements.existing.value) || null;
    if (name) userId = (await api("POST", "/control/users", splitName(name))).id;
    if (userId === null) throw new Error("впишите имя или выберите пользователя");
    await api("POST", `/control/chats/${peer}/members`, { user_id: userId });
    setActingMember(peer, userId);
    await refreshStructure();
  }

  function openChatDialog() {
    const dialog = $("chat-dialog");
    const form = $("chat-form");
    const fresh = state.users.size === 0 && state.chats.size === 0;
    $("chat-dialog-intro").hidden = !fresh;
    form.elements.names.value = fresh ? "Анна\nБорис" : "";
    form.elements.title.value = state.chats.size ? `Беседа ${state.chats.size + 1}` : "Знатоки";
    const list = $("existing-users-list");
    list.replaceChildren(
      ...[...state.users.values()].map((user) => {
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.name = "existing";
        box.value = String(user.id);
        label.append(box, ` ${fullName(user)}`);
        return label;
      }),
    );
    $("existing-users").hidden = state.users.size === 0;
    form.querySelector(".form-error").textContent = "";
    if (!dialog.open) dialog.showModal();
  }

  function openMemberDialog() {
    const chat = state.chats.get(state.current);
    if (!chat) return;
    const form = $("member-form");
    form.elements.name.value = "";
    const others = [...state.users.values()].filter((u) => !chat.member_ids.includes(u.id));
    const none = document.createElement("option");
    none.value = "";
    none.textContent = "—";
    form.elements.existing.replaceChildren(
      none,
      ...others.map((user) => {
        const option = document.createElement("option");
        option.value = String(user.id);
        option.textContent = fullName(user);
        return option;
      }),
    );
    $("member-existing-field").hidden = others.length === 0;
    form.querySelector(".form-error").textContent = "";
    $("member-dialog").showModal();
  }

  function bindDialogForm(form, handler) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = form.querySelector(".form-error");
      const submit = form.querySelector("[type=submit]");
      error.textContent = "";
      submit.disabled = true;
      try {
        await handler(form);
        form.closest("dialog").close();
      } catch (e) {
        error.textContent = `Не получилось: ${e.message || e}`;
      } finally {
        submit.disabled = false;
      }
    });
    form.querySelector("[data-close]").addEventListener("click", () => form.closest("dialog").close());
  }

  // --- live updates -----------------------------------------------------------------------

  function setConnection(stateName, text) {
    const el = $("conn");
    el.dataset.state = stateName;
    el.textContent = text;
  }

  function closeStream() {
    if (state.source) state.source.close();
    state.source = null;
  }

  function openStream(after) {
    closeStream();
    const source = new EventSource(`/control/stream?after=${after}`);
    state.source = source;
    source.onopen = () => setConnection("online", "онлайн");
    source.onerror = () => {
      // EventSource reconnects by itself and resumes after Last-Event-ID.
      setConnection(source.readyState === EventSource.CLOSED ? "offline" : "connecting", "переподключение…");
    };
    source.addEventListener("world", (event) => {
      const info = JSON.parse(event.data);
      if (info.world_id !== state.info.world_id || info.epoch !== state.info.epoch) {
        // Another world (an emulator restarted without its state file, or a reset).
        fullReload().catch(reportError);
      } else if (info.version !== state.info.version) {
        refreshStructure().catch(reportError);
      }
    });
    source.onmessage = (event) => {
      const entry = JSON.parse(event.data);
      switch (entry.kind) {
        case "bot_message":
        case "user_message":
        case "bot_edit":
          onMessage(entry.message, entry.kind);
          break;
        case "event_answer":
          onEventAnswer(entry.answer);
          break;
        default:
          break;
      }
    };
  }

  // --- wiring -----------------------------------------------------------------------------

  function bind() {
    $("chat-list").addEventListener("click", (event) => {
      const item = event.target.closest(".chat-item");
      if (item) selectChat(Number(item.dataset.peer)).catch(reportError);
    });
    $("messages").addEventListener("click", (event) => {
      const button = event.target.closest("button.kb-btn");
      if (button) press(button).catch(reportError);
    });
    document.addEventListener("click", (event) => {
      const button = event.target.closest(".reply-keyboard button.kb-btn");
      if (button) press(button).catch(reportError);
    });
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("input");
      const text = input.value;
      if (!text.trim()) return;
      input.value = "";
      send(text).catch((error) => {
        if (!input.value) input.value = text;
        reportError(error);
      });
    });
    $("as-member").addEventListener("change", (event) => {
      setActingMember(state.current, Number(event.target.value));
      renderAll();
      $("input").focus();
    });
    $("back").addEventListener("click", () => {
      $("app").dataset.view = "list";
    });
    $("new-chat").addEventListener("click", openChatDialog);
    $("welcome-create").addEventListener("click", openChatDialog);
    $("add-member").addEventListener("click", openMemberDialog);
    $("invite-bot").addEventListener("click", () => {
      const peer = state.current;
      const by = actingMember(peer);
      enqueue(() => api("POST", `/control/chats/${peer}/invite_bot`, by === null ? {} : { by }))
        .then(refreshStructure)
        .catch(reportError);
    });
    bindDialogForm($("chat-form"), createChat);
    bindDialogForm($("member-form"), addMember);
  }

  async function boot() {
    bind();
    try {
      await fullReload();
    } catch (error) {
      setConnection("offline", "эмулятор недоступен");
      reportError(error);
      return;
    }
    if (state.current !== null) {
      $("app").dataset.view = "chat";
      renderHeader();
    } else if (state.chats.size === 0) {
      openChatDialog();
    }
  }

  boot();
})();
