// The touchscreen kiosk: tile -> (priority group or "no") -> ticket. Two taps.
//
// Address: /kiosk?token=<device token>[&center=<id>][&idle=<s>][&ticket_seconds=<s>][&print_wait=<s>]
// The token is remembered (localStorage), so the launcher may drop it after the first start.

import {
  EventStream, LANGUAGES, POLICY_VIOLATION, Voice, applyCatalog, authHeaders, delay, deviceToken, labelClips, loadCatalog,
  tapKey, translate,
} from "./common.js";

const params = new URLSearchParams(location.search);
const seconds = (name, fallback) => {
  const value = Number(params.get(name));
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const CONFIG = {
  idleMs: seconds("idle", 30) * 1000, // priority question or a notice left alone -> home
  ticketMs: seconds("ticket_seconds", 25) * 1000, // ticket on screen -> home
  printWaitMs: seconds("print_wait", 5) * 1000, // no print event by then: no printer attached
  offlineGraceMs: 1500, // a blip shorter than this does not flash the unavailable screen
  guardMs: 400, // buttons of a new screen ignore the tail of the tap that opened it
};
const REFUSED_STATUSES = new Set([401, 403]); // the server does not serve this kiosk's token
// The server's close reason for a revoked device (server/messages.py "device_revoked", English).
const REVOKED_REASON = "This device was revoked.";
const PRIORITY_GROUPS = ["elderly", "disabled", "pregnant", "small_child", "meritorious"];
const ACTIVE = new Set(["waiting", "called", "serving"]);

const state = {
  catalog: null,
  language: "vi",
  token: deviceToken(),
  center: null,
  notices: [],
  serviceDay: null,
  categories: new Map(),
  tickets: new Map(),
  screen: "loading",
  attempt: null, // {category, key} from the tile tap until the ticket shows
  ticket: null,
  printJobs: new Map(), // ticket id -> latest print_job (may arrive before the POST answers)
  printTimer: null,
  screenTimer: null,
  countdown: null,
  online: false,
  offlineTimer: null,
  refused: false, // the server refused the token: no tiles, a message, rare retries
  guardUntil: 0,
  stream: null,
};
const voice = new Voice();
const $ = (id) => document.getElementById(id);
const t = (key, values) => translate(state.catalog, state.language, key, values);

// For tests and for a technician's console: read-only views of what the kiosk did.
window.motcuaKiosk = {
  get screen() { return state.screen; },
  get spoken() { return voice.played.slice(); },
  get online() { return state.online; },
  get refused() { return state.refused; },
  handleMessage: (message) => (message.type === "snapshot" ? onSnapshot(message) : onEvent(message)),
};

// ---- screens ---------------------------------------------------------------------------

function show(screen) {
  const from = state.screen;
  state.screen = screen;
  document.body.dataset.screen = screen;
  for (const section of document.querySelectorAll("main > .screen")) {
    section.hidden = section.id !== `screen-${screen}`;
  }
  clearTimeout(state.screenTimer);
  clearInterval(state.countdown);
  // Buttons of the new screen wake up a moment later, so a double tap on a tile, on "Done"
  // or on "Back" does not also press whatever appears under the finger. Tiles are made anew
  // after this, so their handler checks the time too.
  state.guardUntil = from === "loading" ? 0 : performance.now() + CONFIG.guardMs;
  const section = $(`screen-${screen}`);
  if (section && state.guardUntil) {
    section.querySelectorAll("button").forEach((b) => (b.disabled = true));
    // Those there by then: tiles drawn meanwhile are disabled too (renderTiles).
    setTimeout(() => section.querySelectorAll("button").forEach((b) => (b.disabled = false)), CONFIG.guardMs);
  }
  armIdleIfNeeded();
}

/** Screens left alone go home; so does a home screen left in another language. */
function armIdleIfNeeded() {
  const screen = state.screen;
  if (screen === "priority" || screen === "notice" || (screen === "home" && state.language !== "vi")) armIdle();
}

function armIdle() {
  clearTimeout(state.screenTimer);
  state.screenTimer = setTimeout(goHome, CONFIG.idleMs);
}

function goHome() {
  state.attempt = null;
  state.ticket = null;
  clearTimeout(state.printTimer);
  if (state.language !== "vi") setLanguage("vi"); // the next citizen starts in Vietnamese
  show("home");
  renderTiles();
}

function setLanguage(language) {
  state.language = language;
  applyCatalog(document, state.catalog, language);
  const other = LANGUAGES.find((l) => l !== language);
  $("language").lang = other;
  renderCenter();
  renderNotices();
  renderTiles();
  renderPriority();
  if (state.ticket) renderTicket();
}

// ---- home: one tile per category -------------------------------------------------------

function waitingIn(categoryId) {
  let n = 0;
  for (const ticket of state.tickets.values()) if (ticket.state === "waiting" && ticket.category_id === categoryId) n++;
  return n;
}

function closedText(reason) {
  const key = `closed_${reason}`;
  return state.catalog.vi[key] ? t(key) : t("closed_other");
}

function categoryName(category) {
  return state.language === "vi" ? category.name_vi : category.name_en;
}

function renderTiles() {
  const box = $("tiles");
  if (!box || !state.catalog) return;
  const categories = [...state.categories.values()].sort((a, b) => a.position - b.position || a.id - b.id);
  box.replaceChildren(
    ...categories.map((category) => {
      const tile = document.createElement("button");
      tile.type = "button";
      tile.className = "tile";
      tile.dataset.categoryId = category.id;
      tile.style.setProperty("--tile-color", category.color);
      const closed = !category.open;
      tile.classList.toggle("closed", closed);
      tile.setAttribute("aria-disabled", String(closed));
      tile.disabled = performance.now() < state.guardUntil;
      const picto = document.createElement("img");
      picto.className = "picto";
      picto.alt = "";
      picto.src = `/kiosk/static/pictograms/${encodeURIComponent(category.pictogram || "info")}.svg`;
      picto.onerror = () => (picto.src = "/kiosk/static/pictograms/info.svg");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = categoryName(category);
      const prefix = document.createElement("span");
      prefix.className = "prefix";
      prefix.textContent = category.prefix;
      const info = document.createElement("span");
      info.className = "info";
      info.textContent = closed ? closedText(category.closed_reason) : t("waiting_count", { n: waitingIn(category.id) });
      tile.append(prefix, picto, name, info);
      tile.addEventListener("click", () => chooseCategory(category.id));
      return tile;
    }),
  );
  layoutTiles();
}

/** Columns and rows that give the squarest tiles in the space there is, so nothing scrolls;
 * of those, the squarest in which every name fits whole (names wrap, they never shrink). */
function layoutTiles() {
  const box = $("tiles");
  const n = box.children.length;
  if (!n || box.clientWidth === 0) return;
  const width = box.clientWidth;
  const height = box.clientHeight;
  const layouts = [];
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const score = Math.min(width / cols, (height / rows) * 1.25) - (rows * cols - n) * 2; // squarish, few empty cells
    layouts.push({ score, cols, rows });
  }
  layouts.sort((a, b) => b.score - a.score);
  const apply = ({ cols, rows }) => {
    box.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`;
    box.style.gridTemplateRows = `repeat(${rows}, minmax(0, 1fr))`;
  };
  const fits = () => [...box.children].every((tile) => tile.scrollHeight <= tile.clientHeight + 1 && tile.scrollWidth <= tile.clientWidth + 1);
  for (const layout of layouts.slice(0, 4)) {
    apply(layout);
    if (fits()) return;
  }
  apply(layouts[0]); // nothing fits whole: the squarest, as before
}

function chooseCategory(categoryId) {
  if (state.screen !== "home" || state.refused || performance.now() < state.guardUntil) return;
  const category = state.categories.get(categoryId);
  if (!category || !category.open) return; // greyed: a tap does nothing
  state.attempt = { category, key: tapKey("kiosk"), busy: false };
  $("chosen-category").textContent = categoryName(category);
  show("priority");
  voice.say(state.language, [`category_${category.id}`, "priority_question"]);
}

// ---- priority question ------------------------------------------------------------------

function renderPriority() {
  const grid = $("priority-grid");
  if (grid.querySelector(".group")) {
    for (const button of grid.querySelectorAll(".group")) {
      button.querySelector(".name").textContent = t(`priority_${button.dataset.group}`);
    }
    return;
  }
  for (const group of PRIORITY_GROUPS) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "choice group";
    button.dataset.group = group;
    const picto = document.createElement("img");
    picto.className = "picto";
    picto.alt = "";
    picto.src = `/kiosk/static/pictograms/${group}.svg`;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = t(`priority_${group}`);
    button.append(picto, name);
    grid.append(button);
  }
  for (const button of grid.querySelectorAll(".choice")) {
    button.addEventListener("click", () => issue(button.dataset.group || null));
  }
}

// ---- issuing ------------------------------------------------------------------------------

async function issue(priorityGroup) {
  const attempt = state.attempt;
  if (state.screen !== "priority" || !attempt || attempt.busy) return; // a second tap: same ticket
  attempt.busy = true;
  show("issuing");
  const body = JSON.stringify({
    category_id: attempt.category.id,
    priority_group: priorityGroup,
    source: "kiosk",
    idempotency_key: attempt.key, // a retry of this tap gets the same ticket back
  });
  let response = null;
  for (let tries = 0; tries < 4 && !response; tries++) {
    try {
      response = await fetch("/api/v1/tickets", {
        method: "POST",
        headers: { "Content-Type": "application/json", ...authHeaders(state.token) },
        body,
      });
    } catch (_) {
      await delay(400 * (tries + 1)); // lost on the way: same key, so it cannot issue twice
    }
  }
  if (state.attempt !== attempt) return; // went home meanwhile
  if (!response) {
    setOnline(false, true);
    goHome();
    return;
  }
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (response.ok && data && data.label) {
    showTicket(data, attempt.category);
  } else if (REFUSED_STATUSES.has(response.status)) {
    refuse();
    if (state.stream) state.stream.reconnect(); // the stream may still be open: ask afresh
  } else {
    const message = data && data.message ? data.message[state.language] || data.message.vi : "";
    $("notice-message").textContent = message;
    show("notice");
  }
}

function showTicket(ticket, category) {
  state.ticket = { ...ticket, category };
  state.tickets.set(ticket.id, ticket);
  state.attempt = null;
  renderTicket();
  $("ticket-qr").src = `/t/${encodeURIComponent(ticket.token)}/qr.svg`;
  show("ticket");
  // Print state: the answer's print_job (null: this kiosk has no printer, the number on
  // screen is all there is), then print.updated events. A server that does not say waits for
  // an event, and after printWaitMs takes it that there is no printer.
  clearTimeout(state.printTimer);
  if ("print_job" in ticket) {
    if (ticket.print_job === null) state.ticket.noPrinter = true;
    else if (!state.printJobs.has(ticket.id)) state.printJobs.set(ticket.id, ticket.print_job);
  }
  renderPrint();
  if (!state.printJobs.has(ticket.id) && !state.ticket.noPrinter) {
    state.printTimer = setTimeout(() => {
      if (state.ticket && !state.printJobs.has(state.ticket.id)) {
        state.ticket.noPrinter = true;
        renderPrint();
      }
    }, CONFIG.printWaitMs);
  }
  const until = Date.now() + CONFIG.ticketMs;
  const tick = () => {
    const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    $("returning").textContent = t("returning", { n: left });
  };
  tick();
  state.countdown = setInterval(tick, 1000);
  state.screenTimer = setTimeout(goHome, CONFIG.ticketMs);
  voice.say(state.language, ["your_number", ...labelClips(ticket.label), "take_ticket"]);
}

function renderTicket() {
  const ticket = state.ticket;
  if (!ticket) return;
  $("ticket-label").textContent = ticket.label;
  $("ticket-category").textContent = categoryName(ticket.category);
  $("ticket-ahead").textContent = String(ticket.people_ahead);
  $("ticket-wait").textContent = t("minutes", { n: ticket.estimated_wait_minutes });
  $("ticket-qr").alt = t("scan_qr");
  renderPrint();
}

const PRINT_WORDING = { queued: "queued", printing: "printing", printed: "printed", sent: "sent" };

function renderPrint() {
  const el = $("print-state");
  const ticket = state.ticket;
  const job = ticket && state.printJobs.get(ticket.id);
  if (!ticket || (!job && ticket.noPrinter)) {
    el.hidden = true;
    el.dataset.state = "none";
    return;
  }
  // "printed": the printer confirmed it; "sent": a printer that cannot confirm took it; any
  // state the job waits or ended in without paper is a fault for the citizen.
  const printState = job ? PRINT_WORDING[job.state] || "failed" : "queued";
  el.hidden = false;
  el.dataset.state = printState;
  el.textContent = t(`print_${printState}`) || "";
}

// ---- the event stream ---------------------------------------------------------------------

function onSnapshot(snapshot) {
  if (state.refused) {
    state.refused = false;
    $("refused").hidden = true;
  }
  state.center = snapshot.center;
  state.serviceDay = snapshot.service_day;
  state.categories = new Map(snapshot.categories.map((c) => [c.id, c]));
  state.tickets = new Map(snapshot.tickets.map((ticket) => [ticket.id, ticket]));
  state.notices = snapshot.notices || [];
  renderCenter();
  renderNotices();
  if (state.screen === "loading") goHome();
  else renderTiles();
}

function onEvent(event) {
  if (state.refused) return;
  if (event.center) {
    state.center = event.center; // renamed: the header says so at once
    renderCenter();
  }
  if (event.notices) {
    state.notices = event.notices;
    renderNotices();
  }
  const ticket = event.ticket;
  if (ticket) {
    if (!state.serviceDay || ticket.service_day > state.serviceDay) {
      state.serviceDay = ticket.service_day; // a new day: yesterday's queue is over
      state.tickets.clear();
    }
    if (ACTIVE.has(ticket.state)) state.tickets.set(ticket.id, ticket);
    else state.tickets.delete(ticket.id);
  }
  for (const category of event.categories || []) {
    if (category.active === false) state.categories.delete(category.id); // retired: no tile at all
    else state.categories.set(category.id, category);
    if (state.attempt && state.attempt.category.id === category.id) state.attempt.category = category;
  }
  // A ticket's own job; a dossier's appointment slip (kind "slip") prints at a counter.
  if (event.kind === "print.updated" && event.print_job && (event.print_job.kind || "ticket") === "ticket") {
    state.printJobs.set(event.print_job.ticket_id, event.print_job);
    if (state.ticket && state.ticket.id === event.print_job.ticket_id) {
      clearTimeout(state.printTimer);
      renderPrint();
    }
  }
  if (state.screen === "home") renderTiles();
}

function renderCenter() {
  if (state.center) $("center-name").textContent = state.language === "vi" ? state.center.name_vi : state.center.name_en;
}

/** The center's active notices, in order, in a band above the tiles (the wall display's too). */
function renderNotices() {
  const band = $("notices");
  const lines = state.notices.map((notice) => {
    const line = document.createElement("p");
    line.textContent = (state.language === "en" && notice.text_en) || notice.text_vi;
    return line;
  });
  band.replaceChildren(...lines);
  band.hidden = lines.length === 0;
  layoutTiles();
}

/** The server will not serve this kiosk: drop what it showed, say so (that it was revoked, when
 * the server's close said so), retry rarely. */
function refuse(reason = "") {
  state.refused = true;
  for (const line of document.querySelectorAll("#refused .technical")) {
    line.dataset.i18n = reason === REVOKED_REASON ? "refused_revoked" : "refused_technical";
    line.textContent = translate(state.catalog, line.closest("[data-fixed-lang]").dataset.fixedLang, line.dataset.i18n);
  }
  state.categories.clear();
  state.tickets.clear();
  state.notices = [];
  clearTimeout(state.printTimer);
  state.attempt = null;
  state.ticket = null;
  if (state.language !== "vi") setLanguage("vi");
  show("home");
  renderNotices();
  renderTiles();
  clearTimeout(state.screenTimer);
  setOnline(false, true);
  $("refused").hidden = false;
}

function setOnline(online, now = false) {
  state.online = online;
  clearTimeout(state.offlineTimer);
  if (online) {
    $("unavailable").hidden = true;
    document.body.classList.remove("offline");
  } else {
    state.offlineTimer = setTimeout(() => {
      if (state.refused) return; // "reconnecting" would promise what cannot come
      $("unavailable").hidden = false;
      document.body.classList.add("offline");
    }, now ? 0 : CONFIG.offlineGraceMs);
  }
}

// ---- start ----------------------------------------------------------------------------------

async function main() {
  state.catalog = await loadCatalog();
  applyCatalog(document, state.catalog, state.language);
  renderPriority();
  $("language").addEventListener("click", () => {
    const next = LANGUAGES[(LANGUAGES.indexOf(state.language) + 1) % LANGUAGES.length];
    setLanguage(next);
    armIdleIfNeeded();
  });
  $("speaker").addEventListener("click", () => {
    voice.say(state.language, [state.screen === "priority" ? "priority_question" : "guidance"]);
    if (state.screen === "priority") armIdle();
  });
  $("back").addEventListener("click", goHome);
  $("done").addEventListener("click", goHome);
  $("notice-done").addEventListener("click", goHome);
  addEventListener("resize", layoutTiles);
  setOnline(false);
  state.stream = new EventStream({
    centerId: params.get("center"),
    token: state.token,
    onSnapshot,
    onEvent,
    onOnline: (online, code, reason) => (!online && code === POLICY_VIOLATION ? refuse(reason) : setOnline(online)),
  });
  state.stream.start();
}

main();
