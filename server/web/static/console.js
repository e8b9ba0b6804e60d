/**
 * The counter console: sign in, pick a counter, call / recall / start / done / no-show /
 * transfer / pause with big buttons or one key each; the ticket in hand with its elapsed time,
 * the waiting list of the counter's categories in the order call-next takes them, device
 * faults. The entrance-desk mode issues a ticket for a citizen (source "desk").
 *
 * It reads what it shows, not the whole center: the center's categories and counters once,
 * then its counter's view (GET /counters/{id}/view: ticket in hand, the first waiting tickets
 * in call order, the next of each queue, how many wait in each) and that counter's events
 * (/ws/events?counter_id=...). It keeps the list in call order from the events with the
 * server's rule (call_order.js), and reads the view again only when it no longer knows enough
 * of a queue to say what comes next, or when its counter's categories change.
 */
import {
  api, el, EventStream, loadCatalog, onceKey, Queue, said, setLanguage, signIn, signOut, since, state, t, translate, whoAmI,
} from "/web/static/common.js";
import { callOrder, countKey, micros, queueOf } from "/web/static/call_order.js";
import { mountPrintPanel, onPrintEvent, renderPrintPanel } from "/web/static/console_print.js";

const $ = (id) => document.getElementById(id);
const PRIORITY_GROUPS = ["elderly", "disabled", "pregnant", "small_child", "meritorious"];
const queue = new Queue();
const WAITING_SHOWN = 20; // the waiting list's length; the count above it says how many in all
const WAITING_KNOWN = 100; // how many of the call order a view brings, so few re-reads are needed
const REFRESH_MS = 1000; // at most one re-read of the view a second, however many events come
const view = {
  me: null,
  centerId: null,
  counterId: Number(localStorage.getItem("motcua.counter")) || null,
  mode: "counter",
  stream: null,
  here: null, // the counter's view: {seq, counter, in_hand, waiting, waiting_total, ...}
  known: new Map(), // id -> a waiting ticket of this counter's queues that is known here
  counts: new Map(), // queue key (call_order.js) -> how many wait in it
  recent: [], // events applied since the view, applied again to a newer view that predates them
  refresh: { timer: null, running: false, again: false, last: 0 },
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
  stopStream();
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
  const wanted = me.center_id ?? (Number(new URLSearchParams(location.search).get("center")) || null);
  const centers = await api("GET", "/centers");
  queue.center = centers.find((c) => c.id === wanted) || centers[0];
  view.centerId = queue.center.id;
  mountPrintPanel(view.centerId);
  await loadCenter();
  if (view.counterId && queue.counters.has(view.counterId)) await follow(view.counterId);
  else showPicker();
}

/** The center's categories and counters: names for the lists, choices for transfer and desk. */
async function loadCenter() {
  const [categories, counters] = await Promise.all([
    api("GET", `/centers/${view.centerId}/categories`),
    api("GET", `/centers/${view.centerId}/counters`),
  ]);
  queue.categories = new Map(categories.map((c) => [c.id, c]));
  queue.counters = new Map(counters.map((c) => [c.id, c]));
}

function stopStream() {
  if (view.stream) view.stream.stop();
  view.stream = null;
  clearTimeout(view.refresh.timer);
  view.refresh = { timer: null, running: false, again: false, last: 0 };
  Object.assign(view, { here: null, known: new Map(), counts: new Map(), recent: [] });
}

/** Read the counter's view, then follow its events from that view's sequence. */
async function follow(counterId) {
  stopStream();
  const here = await api("GET", `/counters/${counterId}/view?limit=${WAITING_KNOWN}`);
  showView(here);
  view.stream = new EventStream(view.centerId, {
    counterId,
    seq: here.seq,
    onView: showView,
    onEvent,
    onOnline: (online) => {
      $("online").classList.toggle("off", !online);
      $("online").textContent = t(online ? "common.online" : "common.offline");
    },
  });
  view.stream.start();
  setMode("counter");
}

function showView(here) {
  if (here.counter.id !== view.counterId) return; // an answer for a counter left since
  if (view.here && here.seq < view.here.seq) return; // older than what is shown
  view.here = here;
  view.known = new Map([...here.waiting, ...here.next_in_queues].map((ticket) => [ticket.id, ticket]));
  view.counts = new Map(here.queues.map((count) => [countKey(count), count.waiting]));
  view.recent = view.recent.filter((event) => event.seq > here.seq);
  for (const event of view.recent) applyToView(event); // what happened while it was read
  queue.center = here.center;
  queue.counters.set(here.counter.id, here.counter);
  for (const category of here.categories) queue.categories.set(category.id, category);
  render();
}

function onEvent(event) {
  queue.apply(event);
  noteFault(event);
  if (view.here && (event.ticket || event.counter)) {
    view.recent.push(event);
    if (view.recent.length > 1000) view.recent.shift();
    applyToView(event);
  }
  render();
}

/** An event's news for this counter: its counter, the ticket in hand, its queues. */
function applyToView(event) {
  const here = view.here;
  const counter = event.counter;
  if (counter && counter.id === view.counterId) {
    const links = (c) => JSON.stringify(c.categories);
    if (links(counter) !== links(here.counter)) refreshSoon(); // other queues: read them
    here.counter = counter;
  }
  if (event.ticket) takeTicket(event.ticket, event.kind);
}

/** A ticket's news: the ticket in hand, and the queue it joins or leaves. */
function takeTicket(ticket, kind = "") {
  const here = view.here;
  if (!here) return;
  const mine = ticket.counter_id === view.counterId && ["called", "serving"].includes(ticket.state);
  if (mine) here.in_hand = ticket;
  else if (here.in_hand && here.in_hand.id === ticket.id) here.in_hand = null;
  const counter = here.counter;
  const key = queueOf(ticket, counter);
  const known = view.known.get(ticket.id);
  if (known && key === null) {
    view.known.delete(ticket.id); // called, cancelled or sent elsewhere
    const was = queueOf(known, counter);
    if (was) view.counts.set(was, (view.counts.get(was) || 1) - 1);
  } else if (!known && key === null && leftWaiting(ticket, kind)) {
    // A ticket of ours not known here (further down a queue) left it.
    const was = queueOf({ ...ticket, state: "waiting" }, counter);
    if (was) view.counts.set(was, Math.max(0, (view.counts.get(was) || 0) - 1));
  } else if (key !== null && !known) {
    joinQueue(ticket, key);
  } else if (key !== null) {
    view.known.set(ticket.id, ticket); // news of a known waiting ticket (its note)
  }
}

/** Whether this news is of a ticket that was waiting until now. */
function leftWaiting(ticket, kind) {
  if (kind === "ticket.called" || kind === "ticket.cancelled") return true;
  return kind === "ticket.transferred" && !ticket.called_at;
}

/** A ticket joins a queue: known here if the queue is known whole, or if it comes before the
 * last ticket known of it (a transfer keeps its place in time); counted either way. */
function joinQueue(ticket, key) {
  const count = view.counts.get(key) || 0;
  const mates = [...view.known.values()].filter((t) => queueOf(t, view.here.counter) === key);
  const last = mates.length ? mates.reduce((a, b) => (later(a, b) ? a : b)) : null;
  if (mates.length >= count || (last && later(last, ticket))) view.known.set(ticket.id, ticket);
  view.counts.set(key, count + 1);
}

function later(a, b) {
  const [ma, mb] = [micros(a.queued_at), micros(b.queued_at)];
  return ma > mb || (ma === mb && a.id > b.id);
}

/** Re-read the view soon: one read at a time, at most one a second, none lost. */
function refreshSoon() {
  const refresh = view.refresh;
  if (refresh.running || refresh.timer) {
    refresh.again = true;
    return;
  }
  refresh.timer = setTimeout(refreshNow, Math.max(0, refresh.last + REFRESH_MS - Date.now()));
}

async function refreshNow() {
  const refresh = view.refresh;
  const counterId = view.counterId;
  Object.assign(refresh, { timer: null, running: true, again: false, last: Date.now() });
  try {
    showView(await api("GET", `/counters/${counterId}/view?limit=${WAITING_KNOWN}`));
  } catch {
    // offline: the stream's reconnection brings a fresh view
  } finally {
    if (view.refresh === refresh) {
      refresh.running = false;
      if (refresh.again) refreshSoon();
    }
  }
}

// ---- counter picker and modes --------------------------------------------------------------

function showPicker() {
  view.mode = "picker";
  $("counter-view").hidden = true;
  $("desk-view").hidden = true;
  $("picker").hidden = false;
  drawPicker();
  loadCenter().then(() => view.mode === "picker" && drawPicker(), () => {}); // changed since
}

function drawPicker() {
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
  follow(counterId).catch((error) => {
    $("message").textContent = error.message;
    $("message").hidden = false;
  });
}

function setMode(mode) {
  if (mode === "counter" && !view.here) return showPicker();
  if (mode === "desk") loadCenter().then(render, () => {}); // categories open or closed now
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
  return view.here?.counter || null;
}

function counterCategories(c) {
  return [...(c?.categories || [])]
    .sort((a, b) => a.position - b.position)
    .map((link) => queue.categories.get(link.category_id))
    .filter(Boolean);
}

function inHand() {
  return view.here?.in_hand || null;
}

/** The first tickets this counter would call, in that order (the server's rule, kept here
 * from the events); reads the view again when it does not know enough to say. */
function waitingHere() {
  if (!view.here) return [];
  const { order, whole } = callOrder(queue.center, view.here.counter, view.known.values(), view.counts, WAITING_SHOWN);
  if (!whole && order.length < Math.min(WAITING_SHOWN, waitingTotal())) refreshSoon();
  return order;
}

function waitingTotal() {
  let total = 0;
  for (const count of view.counts.values()) total += count;
  return total;
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
  $("waiting-count").textContent = waitingTotal();
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
    if (result && result.label !== undefined && view.here) {
      // At once on screen; its event, before or after this answer, moves the queues.
      const mine = result.counter_id === view.counterId && ["called", "serving"].includes(result.state);
      view.here.in_hand = mine ? result : null;
      view.known.delete(result.id);
    } else if (result && result.number !== undefined && view.here) view.here.counter = result;
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
    view.here.in_hand = null; // the leg joins its queue with its event
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
