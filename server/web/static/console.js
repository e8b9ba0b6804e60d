/**
 * The counter console: sign in, pick a counter, call / recall / start / done / no-show /
 * transfer / pause with big buttons or one key each; the ticket in hand with its elapsed time,
 * the waiting list of the counter's categories, device faults. Live over /ws/events.
 * The entrance-desk mode issues a ticket for a citizen (source "desk").
 */
import {
  api, el, EventStream, loadCatalog, onceKey, Queue, said, setLanguage, signIn, signOut, since, state, t, translate, whoAmI,
} from "/web/static/common.js";
import { mountPrintPanel, onPrintEvent, renderPrintPanel } from "/web/static/console_print.js";

const $ = (id) => document.getElementById(id);
const PRIORITY_GROUPS = ["elderly", "disabled", "pregnant", "small_child", "meritorious"];
const queue = new Queue();
const view = {
  me: null,
  centerId: null,
  counterId: Number(localStorage.getItem("motcua.counter")) || null,
  mode: "counter",
  stream: null,
  faults: new Map(), // printer or device name -> {label, error}
  busy: false,
};

// ---- sign-in ---------------------------------------------------------------------------------

async function start() {
  await loadCatalog();
  $("language").addEventListener("click", () => {
    setLanguage(state.language === "vi" ? "en" : "vi");
    render();
  });
  $("signin").addEventListener("submit", onSignIn);
  $("sign-out").addEventListener("click", onSignOut);
  $("change-counter").addEventListener("click", () => showPicker());
  $("mode-counter").addEventListener("click", () => setMode("counter"));
  $("mode-desk").addEventListener("click", () => setMode("desk"));
  wireActions();
  wireDesk();
  document.addEventListener("keydown", onKey);
  setInterval(tick, 1000);
  const me = await whoAmI();
  if (me) await enter(me);
  else showSignIn();
}

function showSignIn() {
  for (const id of ["picker", "counter-view", "desk-view", "modes", "change-counter", "sign-out", "online"]) $(id).hidden = true;
  $("who").textContent = "";
  $("signin").hidden = false;
  $("username").focus();
}

async function onSignIn(event) {
  event.preventDefault();
  $("signin-error").hidden = true;
  try {
    const me = await signIn($("username").value.trim(), $("password").value);
    $("password").value = "";
    await enter(me);
  } catch (error) {
    $("signin-error").textContent = error.message;
    $("signin-error").hidden = false;
  }
}

async function onSignOut() {
  if (view.stream) view.stream.stop();
  view.stream = null;
  await signOut().catch(() => {});
  showSignIn();
}

async function enter(me) {
  if (!me.permissions.includes("counter.operate")) {
    $("signin-error").textContent = t("console.not_staff");
    $("signin-error").hidden = false;
    showSignIn();
    return;
  }
  view.me = me;
  $("signin").hidden = true;
  $("who").textContent = me.username;
  $("sign-out").hidden = false;
  $("modes").hidden = false;
  $("online").hidden = false;
  view.centerId = me.center_id ?? Number(new URLSearchParams(location.search).get("center")) ?? null;
  if (!view.centerId) view.centerId = (await api("GET", "/centers"))[0].id;
  mountPrintPanel(view.centerId);
  await new Promise((resolve) => {
    view.stream = new EventStream(view.centerId, {
      onSnapshot: (snapshot) => {
        queue.load(snapshot);
        render();
        resolve();
      },
      onEvent: (event) => {
        queue.apply(event);
        noteFault(event);
        render();
      },
      onOnline: (online) => {
        $("online").classList.toggle("off", !online);
        $("online").textContent = t(online ? "common.online" : "common.offline");
      },
    });
    view.stream.start();
  });
  if (view.counterId && queue.counters.has(view.counterId)) setMode("counter");
  else showPicker();
}

// ---- counter picker and modes --------------------------------------------------------------

function showPicker() {
  view.mode = "picker";
  $("counter-view").hidden = true;
  $("desk-view").hidden = true;
  $("picker").hidden = false;
  const list = $("counter-list");
  list.replaceChildren(
    ...[...queue.counters.values()].map((counter) =>
      el(
        "button",
        { type: "button", dataset: { counterId: counter.id }, onclick: () => pickCounter(counter.id) },
        t("console.counter_n", { number: counter.number }),
        el("small", {}, counterCategories(counter).map((c) => c.prefix).join(" · ")),
      ),
    ),
  );
  render();
}

function pickCounter(counterId) {
  view.counterId = counterId;
  localStorage.setItem("motcua.counter", String(counterId));
  setMode("counter");
}

function setMode(mode) {
  if (mode === "counter" && !queue.counters.has(view.counterId)) return showPicker();
  view.mode = mode;
  $("picker").hidden = true;
  $("counter-view").hidden = mode !== "counter";
  $("desk-view").hidden = mode !== "desk";
  $("mode-counter").setAttribute("aria-pressed", String(mode === "counter"));
  $("mode-desk").setAttribute("aria-pressed", String(mode === "desk"));
  render();
}

// ---- reading the queue ----------------------------------------------------------------------

function counter() {
  return queue.counters.get(view.counterId) || null;
}

function counterCategories(c) {
  return [...(c?.categories || [])]
    .sort((a, b) => a.position - b.position)
    .map((link) => queue.categories.get(link.category_id))
    .filter(Boolean);
}

function inHand() {
  for (const ticket of queue.tickets.values()) {
    if (ticket.counter_id === view.counterId && (ticket.state === "called" || ticket.state === "serving")) return ticket;
  }
  return null;
}

/** The tickets this counter may call: its categories' waiting tickets, and those sent to it. */
function waitingHere() {
  const c = counter();
  const served = new Set((c?.categories || []).map((link) => link.category_id));
  return [...queue.tickets.values()]
    .filter(
      (ticket) =>
        ticket.state === "waiting" &&
        (ticket.target_counter_id === view.counterId || (ticket.target_counter_id === null && served.has(ticket.category_id))),
    )
    .sort((a, b) => Date.parse(a.queued_at) - Date.parse(b.queued_at) || a.id - b.id);
}

// ---- drawing --------------------------------------------------------------------------------

function render() {
  const center = queue.center;
  $("center-name").textContent = center ? (state.language === "en" ? center.name_en : center.name_vi) : t("console.title");
  const c = counter();
  $("change-counter").hidden = !c || view.mode === "picker";
  if (c) $("change-counter").textContent = `${t("console.counter_n", { number: c.number })} ▾`;
  $("change-counter").title = t("console.change_counter");
  if (view.mode === "counter" && c) renderCounter(c);
  if (view.mode === "desk") renderDesk();
}

function renderCounter(c) {
  const ticket = inHand();
  const card = $("in-hand");
  card.classList.toggle("empty", !ticket);
  card.dataset.ticketId = ticket ? ticket.id : "";
  $("in-hand-label").textContent = ticket ? ticket.label : "—";
  $("in-hand-info").replaceChildren();
  if (ticket) {
    $("in-hand-info").append(
      queue.categoryName(ticket.category_id, state.language),
      ticket.priority_group ? el("span", { class: "priority" }, ` · ${t(`priority.${ticket.priority_group}`)}`) : "",
      ticket.note ? el("div", { class: "muted" }, `${t("console.note")}: ${ticket.note}`) : "",
    );
  } else {
    $("in-hand-info").append(el("span", { class: "muted" }, t("console.nobody_in_hand")));
  }
  tick();
  const paused = c.state === "paused";
  $("counter-paused").hidden = !paused;
  $("pause-text").textContent = t(paused ? "console.resume" : "console.pause");
  const called = ticket?.state === "called";
  $("btn-call").disabled = view.busy || paused || c.state === "closed" || Boolean(ticket);
  $("btn-recall").disabled = view.busy || !called;
  $("btn-start").disabled = view.busy || !called;
  $("btn-done").disabled = view.busy || !ticket;
  $("btn-noshow").disabled = view.busy || !called;
  $("btn-transfer").disabled = view.busy || !ticket;
  $("btn-pause").disabled = view.busy;

  const waiting = waitingHere();
  $("waiting-count").textContent = waiting.length;
  $("waiting-empty").hidden = waiting.length > 0;
  $("waiting-list").replaceChildren(
    ...waiting.map((w) => {
      const category = queue.categories.get(w.category_id);
      return el(
        "li",
        { dataset: { ticketId: w.id, label: w.label, queuedAt: w.queued_at } },
        el("span", { class: "ticket-label" }, w.label),
        el(
          "span",
          { class: "what" },
          el("span", { class: "chip", style: `background:${category?.color || "#555"}` }, category?.prefix || "?"),
          " ",
          queue.categoryName(w.category_id, state.language),
          w.priority_group ? el("span", { class: "priority" }, ` · ${t(`priority.${w.priority_group}`)}`) : "",
          w.target_counter_id ? el("span", { class: "muted" }, ` · ${t("console.sent_here")}`) : "",
        ),
        el("span", { class: "waited" }, since(w.queued_at)),
      );
    }),
  );
  renderFaults();
  renderPrintPanel();
}

/** Once a second: the elapsed time of the ticket in hand and each wait. */
function tick() {
  if (view.mode !== "counter") return;
  const ticket = inHand();
  const box = $("in-hand-elapsed");
  if (!ticket) {
    box.replaceChildren();
  } else {
    const serving = ticket.state === "serving";
    box.replaceChildren(
      el("small", {}, t(serving ? "console.serving_for" : "console.called_ago")),
      since(serving ? ticket.serving_at : ticket.called_at),
    );
  }
  for (const item of $("waiting-list").children) {
    item.querySelector(".waited").textContent = since(item.dataset.queuedAt);
  }
}

// ---- device faults: "print.updated" and "device.fault" events --------------------------------

function noteFault(event) {
  if (event.kind === "print.updated") {
    onPrintEvent(event.print_job, event.at); // printer faults: console_print.js
  } else if (event.kind === "device.fault" && event.device) {
    const name = event.device.name || String(event.device.id);
    if (event.device.ok) view.faults.delete(`device:${name}`);
    else view.faults.set(`device:${name}`, { what: name, label: "", error: event.device.error });
  }
}

function renderFaults() {
  $("faults-none").hidden = view.faults.size > 0;
  $("fault-list").replaceChildren(
    ...[...view.faults.values()].map((fault) =>
      el("li", {}, `${fault.what}${fault.label ? ` (${fault.label})` : ""}: ${said(fault.error) || t("console.fault")}`),
    ),
  );
}

// ---- actions ----------------------------------------------------------------------------------

function wireActions() {
  $("btn-call").addEventListener("click", () => act(() => api("POST", `/counters/${view.counterId}/call-next`)));
  $("btn-recall").addEventListener("click", () => ticketAction("recall"));
  $("btn-start").addEventListener("click", () => ticketAction("start"));
  $("btn-done").addEventListener("click", () => ticketAction("complete"));
  $("btn-noshow").addEventListener("click", () => ticketAction("no-show"));
  $("btn-pause").addEventListener("click", () =>
    act(() => api("POST", `/counters/${view.counterId}/${counter()?.state === "paused" ? "resume" : "pause"}`)),
  );
  $("btn-transfer").addEventListener("click", openTransfer);
  $("transfer-cancel").addEventListener("click", () => $("transfer-dialog").close());
  $("transfer-form").addEventListener("submit", onTransfer);
}

function ticketAction(action) {
  const ticket = inHand();
  if (ticket) act(() => api("POST", `/tickets/${ticket.id}/${action}`));
}

/** Run one change; its answer updates the screen at once (the event confirms it). */
async function act(change) {
  if (view.busy) return;
  view.busy = true;
  $("message").hidden = true;
  render();
  try {
    const result = await change();
    if (result && result.label !== undefined) queue.applyTicket(result);
    else if (result && result.number !== undefined) queue.counters.set(result.id, result);
  } catch (error) {
    $("message").textContent = error.message;
    $("message").hidden = false;
  } finally {
    view.busy = false;
    render();
  }
}

function openTransfer() {
  const ticket = inHand();
  if (!ticket) return;
  const none = (key) => el("option", { value: "" }, t(key));
  $("transfer-category").replaceChildren(
    none("console.transfer_same_category"),
    ...[...queue.categories.values()]
      .filter((c) => c.id !== ticket.category_id)
      .sort((a, b) => a.position - b.position)
      .map((c) => el("option", { value: c.id }, `${c.prefix} · ${queue.categoryName(c.id, state.language)}`)),
  );
  $("transfer-counter").replaceChildren(
    none("console.transfer_any_counter"),
    ...[...queue.counters.values()]
      .filter((c) => c.id !== view.counterId)
      .map((c) => el("option", { value: c.id }, t("console.counter_n", { number: c.number }))),
  );
  $("transfer-note").value = "";
  $("transfer-error").hidden = true;
  $("transfer-dialog").showModal();
  $("transfer-category").focus();
}

async function onTransfer(event) {
  event.preventDefault();
  const ticket = inHand();
  const body = { note: $("transfer-note").value.trim() };
  if ($("transfer-category").value) body.category_id = Number($("transfer-category").value);
  if ($("transfer-counter").value) body.counter_id = Number($("transfer-counter").value);
  if (!body.category_id && !body.counter_id) {
    $("transfer-error").textContent = t("console.transfer_pick");
    $("transfer-error").hidden = false;
    return;
  }
  try {
    const leg = await api("POST", `/tickets/${ticket.id}/transfer`, body);
    queue.tickets.delete(ticket.id);
    queue.applyTicket(leg);
    $("transfer-dialog").close();
    $("done-message").textContent = t("console.transferred", { label: leg.label });
    $("done-message").hidden = false;
    render();
  } catch (error) {
    $("transfer-error").textContent = error.message;
    $("transfer-error").hidden = false;
  }
}

const KEYS = { n: "btn-call", r: "btn-recall", s: "btn-start", d: "btn-done", v: "btn-noshow", t: "btn-transfer", p: "btn-pause" };

function onKey(event) {
  if (view.mode !== "counter" || event.ctrlKey || event.altKey || event.metaKey) return;
  if (event.target.closest("input, textarea, select, dialog")) return;
  const id = KEYS[event.key.toLowerCase()];
  if (!id || $(id).disabled) return;
  event.preventDefault();
  $(id).click();
}

// ---- entrance desk ------------------------------------------------------------------------------

function wireDesk() {
  $("desk-form").addEventListener("submit", onIssue);
}

function renderDesk() {
  const chosen = $("desk-form").elements.category?.value;
  const categories = [...queue.categories.values()].sort((a, b) => a.position - b.position || a.id - b.id);
  $("desk-categories").replaceChildren(
    ...categories.map((c) =>
      el(
        "label",
        { class: c.open ? "" : "closed", dataset: { categoryId: c.id } },
        el("input", { type: "radio", name: "category", value: c.id, required: true, disabled: !c.open, checked: String(c.id) === chosen }),
        el("span", { class: "chip", style: `background:${c.color}` }, c.prefix),
        queue.categoryName(c.id, state.language),
        c.open ? "" : el("small", { class: "muted" }, ` (${t(`closed.${c.closed_reason}`)})`),
      ),
    ),
  );
  if (!$("desk-priorities").children.length || $("desk-priorities").dataset.language !== state.language) {
    const group = $("desk-form").elements.priority?.value || "";
    $("desk-priorities").dataset.language = state.language;
    $("desk-priorities").replaceChildren(
      ...["", ...PRIORITY_GROUPS].map((g) =>
        el(
          "label",
          {},
          el("input", { type: "radio", name: "priority", value: g, checked: g === group }),
          t(g ? `priority.${g}` : "priority.none"),
        ),
      ),
    );
  }
}

async function onIssue(event) {
  event.preventDefault();
  const form = $("desk-form").elements;
  $("desk-error").hidden = true;
  const body = {
    category_id: Number(form.category.value),
    priority_group: form.priority.value || null,
    source: "desk",
    note: $("desk-note").value.trim(),
    idempotency_key: onceKey("desk"),
  };
  $("desk-issue").disabled = true;
  try {
    const ticket = await api("POST", "/tickets", body);
    $("desk-label").textContent = ticket.label;
    $("desk-info").textContent = t("desk.ahead", {
      category: queue.categoryName(ticket.category_id, state.language),
      n: ticket.people_ahead,
      minutes: ticket.estimated_wait_minutes,
    });
    $("desk-result").hidden = false;
    $("desk-note").value = "";
    form.priority[0].checked = true;
  } catch (error) {
    $("desk-error").textContent = error.message;
    $("desk-error").hidden = false;
  } finally {
    $("desk-issue").disabled = false;
  }
}

start();
