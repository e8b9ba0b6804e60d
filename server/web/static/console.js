/**
 * The counter console: sign in, pick a counter (which claims it: one officer per counter;
 * one worked by someone else is taken over only when asked, and that officer's console is
 * told by the counter's event and stops acting), call / call a number / recall / start / done /
 * no-show / transfer / pause with a reason, with big buttons or one key each; the ticket in
 * hand with its elapsed time and recalls, the waiting list of the counter's categories in the
 * order call-next takes them (priority, transfers and notes marked), device faults. The
 * entrance-desk mode issues a ticket for a citizen (source "desk"). Dossiers received from the
 * ticket in hand, and the center's dossiers view, are console_dossiers.js.
 *
 * It reads what it shows, not the whole center: the center's categories and counters once,
 * then its counter's view (GET /counters/{id}/view: ticket in hand, the first waiting tickets
 * in call order, the next of each queue, how many wait in each) and that counter's events
 * (/ws/events?counter_id=...). It keeps the list in call order from the events with the
 * server's rule (call_order.js), and reads the view again only when it no longer knows enough
 * of a queue to say what comes next, or when its counter's categories change.
 */
import {
  alertsOf, api, el, EventStream, loadCatalog, onceKey, Queue, renderAlerts, said, setLanguage, signIn, signOut, since, state, t, translate,
  whoAmI,
} from "/web/static/common.js";
import { callOrder, countKey, micros, queueOf } from "/web/static/call_order.js";
import { mountPrintPanel, onPrintEvent, renderPrintPanel } from "/web/static/console_print.js";
import { openNumberDialog, wireNumberDialog } from "/web/static/console_number.js";
import { onDossierEvent, openReceive, redrawDossiers, renderTicketDossiers, showDossiersView, wireDossiers } from "/web/static/console_dossiers.js";

const $ = (id) => document.getElementById(id);
const PRIORITY_GROUPS = ["elderly", "disabled", "pregnant", "small_child", "meritorious"];
const PAUSE_REASONS = {
  lunch: "console.pause_lunch",
  meeting: "console.pause_meeting",
  system_fault: "console.pause_system_fault",
  other: "console.pause_other",
};
const queue = new Queue();
const WAITING_SHOWN = 20; // the waiting list's length; the count above it says how many in all
// How many of the call order a view brings (the API's most), so few re-reads are needed: a
// console that knows its queues whole keeps them from the events alone. At 400 consoles on
// 800 waiting (bench/staff_load.py) 100 made every console re-read every ~13 s, 26 views a
// second that queued for seconds; 200 made none, for a view a third dearer (4.3 -> 5.8 ms).
const WAITING_KNOWN = 200;
const REFRESH_MS = 1000; // at most one re-read of the view a second, however many events come
// How often the console asks which kiosks and displays are connected: presence is state the
// server keeps, not events it sends (a display's every reconnect went to every client).
const PRESENCE_MS = 30000;
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
  claiming: null, // the counter a claim dialog asks about
  replaced: null, // the counter as it was when another officer took it: this console stops acting
  lastDone: null, // the ticket just completed here: its citizen may still hand in dossiers
};

// ---- sign-in ---------------------------------------------------------------------------------

async function start() {
  await loadCatalog();
  $("language").addEventListener("click", () => {
    setLanguage(state.language === "vi" ? "en" : "vi");
    render();
    if (view.mode === "dossiers") redrawDossiers();
  });
  $("signin").addEventListener("submit", onSignIn);
  $("sign-out").addEventListener("click", onSignOut);
  $("change-counter").addEventListener("click", () => showPicker());
  $("replaced-pick").addEventListener("click", () => showPicker());
  $("claim-other").addEventListener("click", () => {
    $("claim-dialog").close();
    showPicker();
  });
  $("claim-take-over").addEventListener("click", () => claimCounter(view.claiming, true));
  $("mode-counter").addEventListener("click", () => setMode("counter"));
  $("mode-desk").addEventListener("click", () => setMode("desk"));
  $("mode-dossiers").addEventListener("click", () => setMode("dossiers"));
  wireActions();
  wireDesk();
  document.addEventListener("keydown", onKey);
  setInterval(tick, 1000);
  setInterval(watchDevices, PRESENCE_MS);
  const me = await whoAmI();
  if (me) await enter(me);
  else showSignIn();
}

function showSignIn() {
  for (const id of ["picker", "counter-view", "desk-view", "dossiers-view", "modes", "change-counter", "sign-out", "online"]) $(id).hidden = true;
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
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

/** Signing out releases the counter this console holds: free for the next officer. */
async function onSignOut() {
  const held = holding() ? view.counterId : null;
  stopStream();
  if (held) await api("POST", `/counters/${held}/release`).catch(() => {});
  await signOut().catch(() => {});
  Object.assign(view, { me: null, replaced: null });
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
  watchDevices();
  if (view.counterId && queue.counters.has(view.counterId)) await claimCounter(view.counterId);
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
  Object.assign(view, { here: null, known: new Map(), counts: new Map(), recent: [], lastDone: null });
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
    onRefused,
  });
  view.stream.start();
  setMode("counter");
}

/** The server closed the stream for this session: if the session has ended (signed out
 * elsewhere, account disabled, password changed), say so and ask to sign in again. */
async function onRefused() {
  const me = await whoAmI().catch(() => undefined); // undefined: the network; the stream retries
  if (me !== null) return; // still signed in (a new role): the stream reconnects
  stopStream();
  Object.assign(view, { me: null, replaced: null });
  showSignIn();
  $("signin-error").textContent = t("common.session_ended");
  $("signin-error").hidden = false;
}

function showView(here) {
  if (here.counter.id !== view.counterId) return; // an answer for a counter left since
  if (view.here && here.seq < view.here.seq) return; // older than what is shown
  view.here = here;
  checkOfficer(here.counter);
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
  onDossierEvent(event);
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
    checkOfficer(counter);
  }
  if (event.ticket) takeTicket(event.ticket, event.kind);
}

/** A ticket's news: the ticket in hand, and the queue it joins or leaves. */
function takeTicket(ticket, kind = "") {
  const here = view.here;
  if (!here) return;
  const mine = ticket.counter_id === view.counterId && ["called", "serving"].includes(ticket.state);
  noteDone(ticket);
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
  // A no-show called back by number was not waiting (it keeps its no_show_at; a waiting ticket has none).
  if (kind === "ticket.called") return !ticket.no_show_at;
  if (kind === "ticket.cancelled") return true;
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
  clearMessages();
  $("counter-view").hidden = true;
  $("desk-view").hidden = true;
  $("dossiers-view").hidden = true;
  showDossiersView(false);
  $("picker").hidden = false;
  drawPicker();
  loadCenter().then(() => view.mode === "picker" && drawPicker(), () => {}); // changed since
}

/** "HH:MM" in the center's time. */
function clock(at) {
  return new Date(at).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
}

/** Who works a counter, as the picker says it. */
function officerLine(counter) {
  if (!counter.officer_id) return t("console.counter_free");
  const since = clock(counter.officer_since);
  if (view.me && counter.officer_id === view.me.id) return t("console.counter_mine", { since });
  return t("console.counter_taken", { name: counter.officer_name, since });
}

function drawPicker() {
  const list = $("counter-list");
  list.replaceChildren(
    ...[...queue.counters.values()].map((counter) =>
      el(
        "button",
        {
          type: "button",
          class: counter.officer_id && counter.officer_id !== view.me?.id ? "taken" : "",
          dataset: { counterId: counter.id },
          onclick: () => claimCounter(counter.id),
        },
        t("console.counter_n", { number: counter.number }),
        el("small", {}, counterCategories(counter).map((c) => c.prefix).join(" · ")),
        el("small", { class: "officer" }, officerLine(counter)),
      ),
    ),
  );
  render();
}

/**
 * Sign in to a counter: claim it, then follow it. One someone else works asks first: take it
 * over (their console is told) or pick another.
 */
async function claimCounter(counterId, takeOver = false) {
  clearMessages();
  try {
    const counter = await api("POST", `/counters/${counterId}/claim`, { take_over: takeOver });
    queue.counters.set(counter.id, counter);
    $("claim-dialog").close();
    view.counterId = counterId;
    view.replaced = null;
    localStorage.setItem("motcua.counter", String(counterId));
    await follow(counterId);
  } catch (error) {
    if (error.body?.code === "counter_held" && !takeOver) {
      await loadCenter().catch(() => {});
      askTakeOver(queue.counters.get(counterId));
    } else {
      const box = $("claim-dialog").open ? $("claim-error") : $("picker-error");
      box.textContent = error.message;
      box.hidden = false;
      if (view.mode !== "picker") showPicker();
    }
  }
}

function askTakeOver(counter) {
  if (view.mode !== "picker") showPicker();
  else drawPicker();
  view.claiming = counter.id;
  $("claim-text").textContent = t("console.claim_text", {
    number: counter.number,
    name: counter.officer_name,
    since: clock(counter.officer_since),
  });
  $("claim-error").hidden = true;
  if (!$("claim-dialog").open) $("claim-dialog").showModal();
  $("claim-other").focus();
}

/** Whether this console's officer holds its counter (as far as its events say). */
function holding() {
  const c = counter();
  return Boolean(c && view.me && c.officer_id === view.me.id && !view.replaced);
}

/** A counter's news: someone else took it over (or it was released elsewhere): stop acting. */
function checkOfficer(c) {
  if (!view.me || c.officer_id === view.me.id || view.replaced) return;
  view.replaced = c;
  localStorage.removeItem("motcua.counter");
  for (const dialog of ["transfer-dialog", "pause-dialog", "number-dialog", "receive-dialog"]) $(dialog).close();
  clearMessages();
}

function setMode(mode) {
  if (mode === "counter" && !view.here) return showPicker();
  if (mode !== view.mode) clearMessages();
  if (mode === "desk") loadCenter().then(render, () => {}); // categories open or closed now
  view.mode = mode;
  $("picker").hidden = true;
  $("counter-view").hidden = mode !== "counter";
  $("desk-view").hidden = mode !== "desk";
  $("dossiers-view").hidden = mode !== "dossiers";
  for (const m of ["counter", "desk", "dossiers"]) $(`mode-${m}`).setAttribute("aria-pressed", String(mode === m));
  showDossiersView(mode === "dossiers");
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

/** The ticket whose citizen hands in dossiers: the one in hand, else the one just done here. */
function dossierTicket() {
  return inHand() || view.lastDone;
}

/** A ticket of this counter completed: its citizen may still hand in dossiers, until the next. */
function noteDone(ticket) {
  if (ticket.counter_id !== view.counterId) return;
  if (ticket.state === "done") view.lastDone = ticket;
  else if (["called", "serving"].includes(ticket.state)) view.lastDone = null;
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
  $("center-name").title = $("center-name").textContent; // in full where the bar cuts it
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
  $("in-hand-recalls").hidden = !ticket?.recalls;
  $("in-hand-recalls").textContent = ticket?.recalls ? t("console.recalls", { n: ticket.recalls }) : "";
  tick();
  const paused = c.state === "paused";
  $("counter-paused").hidden = !paused;
  $("counter-paused").textContent = c.pause_reason
    ? t("console.paused_reason_banner", { reason: t(PAUSE_REASONS[c.pause_reason]) })
    : t("console.paused_banner");
  $("pause-text").textContent = t(paused ? "console.resume" : "console.pause");
  const replaced = view.replaced;
  $("replaced").hidden = !replaced;
  if (replaced) {
    const values = { number: replaced.number, name: replaced.officer_name, since: replaced.officer_since ? clock(replaced.officer_since) : "" };
    $("replaced-text").textContent = t(replaced.officer_id ? "console.replaced" : "console.released_elsewhere", values);
  }
  const off = view.busy || Boolean(replaced); // another officer's counter now: nothing to do here
  const called = ticket?.state === "called";
  $("btn-call").disabled = off || paused || c.state === "closed" || Boolean(ticket);
  $("btn-number").disabled = off;
  $("btn-recall").disabled = off || !called;
  $("btn-start").disabled = off || !called;
  $("btn-done").disabled = off || !ticket;
  $("btn-noshow").disabled = off || !called;
  $("btn-transfer").disabled = off || !ticket;
  $("btn-pause").disabled = off;
  $("btn-receive").disabled = off || !dossierTicket();

  const waiting = waitingHere();
  $("waiting-count").textContent = waitingTotal();
  $("waiting-empty").hidden = waiting.length > 0;
  $("waiting-list").replaceChildren(...waiting.map((w) => el("li", { dataset: { ticketId: w.id, label: w.label, queuedAt: w.queued_at } }, waitingRow(w))));
  $("waiting-labels").replaceChildren(...waiting.map((w) => el("option", { value: w.label })));
  renderFaults();
  renderPrintPanel();
  renderTicketDossiers();
}

/** One waiting ticket: its number, category, priority group, whether it was transferred
 * (or sent to this counter by name), its note; a button that opens "call a number" with it. */
function waitingRow(w) {
  const category = queue.categories.get(w.category_id);
  const badges = [];
  if (w.priority_group) badges.push(el("span", { class: "badge priority" }, t(`priority.${w.priority_group}`)));
  if (w.target_counter_id === view.counterId) badges.push(el("span", { class: "badge transfer" }, t("console.sent_here")));
  else if (w.hop > 0) badges.push(el("span", { class: "badge transfer" }, t("console.transferred_in")));
  return el(
    "button",
    { type: "button", class: "row", disabled: Boolean(view.replaced), onclick: () => openNumberDialog(w) },
    el("span", { class: "ticket-label" }, w.label),
    el(
      "span",
      { class: "what" },
      el("span", { class: "line" }, el("span", { class: "chip", style: `background:${category?.color || "#555"}` }, category?.prefix || "?"), " ", queue.categoryName(w.category_id, state.language)),
      badges.length ? el("span", { class: "badges" }, ...badges) : "",
      w.note ? el("span", { class: "ticket-note" }, `${t("console.note")}: ${w.note}`) : "",
    ),
    el("span", { class: "waited" }, since(w.queued_at)),
  );
}

/** Messages belong to the action they answer: the next action, or another counter, clears them. */
function clearMessages() {
  for (const id of ["message", "done-message", "picker-error"]) $(id).hidden = true;
}

function say(text) {
  $("done-message").textContent = text;
  $("done-message").hidden = false;
}

/** Once a second: the elapsed time of the ticket in hand and each wait. */
function tick() {
  if (view.mode !== "counter") return;
  renderAlerts($("alerts"), null, counterAlerts());
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

// ---- device faults: "print.updated" events, and kiosks and displays gone ---------------------

function noteFault(event) {
  if (event.kind === "print.updated") onPrintEvent(event.print_job, event.at); // console_print.js
}

/** A kiosk or display that has been connected and is not now is a fault until it comes back;
 * one never seen since the server started is not (it may simply not be installed yet). */
async function watchDevices() {
  if (!view.me || !view.centerId) return;
  let devices;
  try {
    devices = await api("GET", `/centers/${view.centerId}/devices/presence`);
  } catch {
    return; // the server is out of reach: the stream's own indicator says so
  }
  for (const key of [...view.faults.keys()]) if (key.startsWith("device:")) view.faults.delete(key);
  for (const device of devices) {
    if (device.online || device.kind === "print_agent" || !(device.since || device.last_seen_at)) continue;
    const since = device.since || device.last_seen_at;
    view.faults.set(`device:${device.id}`, {
      what: device.name,
      label: "",
      key: `console.device_gone_${device.kind}`,
      values: { time: clock(since) },
    });
  }
  renderFaults();
}

function renderFaults() {
  $("faults-none").hidden = view.faults.size > 0;
  $("fault-list").replaceChildren(
    ...[...view.faults.values()].map((fault) =>
      el("li", {}, `${fault.what}${fault.label ? ` (${fault.label})` : ""}: ${fault.key ? t(fault.key, fault.values) : said(fault.error) || t("console.fault")}`),
    ),
  );
}

// ---- actions ----------------------------------------------------------------------------------

function wireActions() {
  $("btn-call").addEventListener("click", () => act(() => api("POST", `/counters/${view.counterId}/call-next`)));
  $("btn-number").addEventListener("click", () => {
    clearMessages();
    openNumberDialog();
  });
  wireNumberDialog({
    centerId: () => view.centerId,
    counterId: () => view.counterId,
    canCall: () => !inHand() && counter()?.state === "open" && !view.replaced,
    describe: (ticket) => [...waitingRow(ticket).querySelector(".what").childNodes],
    act: (change, doneKey) => act(change, { doneKey, inDialog: true }),
  });
  $("btn-recall").addEventListener("click", () => ticketAction("recall"));
  $("btn-start").addEventListener("click", () => ticketAction("start"));
  $("btn-done").addEventListener("click", () => ticketAction("complete"));
  $("btn-noshow").addEventListener("click", () => ticketAction("no-show"));
  $("btn-pause").addEventListener("click", () =>
    counter()?.state === "paused" ? act(() => api("POST", `/counters/${view.counterId}/resume`)) : openPause(),
  );
  $("pause-cancel").addEventListener("click", () => $("pause-dialog").close());
  $("pause-form").addEventListener("submit", onPause);
  $("btn-transfer").addEventListener("click", openTransfer);
  $("transfer-cancel").addEventListener("click", () => $("transfer-dialog").close());
  $("transfer-form").addEventListener("submit", onTransfer);
  $("btn-receive").addEventListener("click", () => {
    clearMessages();
    openReceive();
  });
  wireDossiers({ centerId: () => view.centerId, counterId: () => view.counterId, ticket: dossierTicket });
}

/** The alerts of this counter's own business: its queues' longest waits, its own pause. */
function counterAlerts() {
  const here = view.here;
  if (!here) return [];
  const waiting = [...view.known.values()].filter((ticket) => ticket.state === "waiting");
  return alertsOf({ center: queue.center, categories: here.categories, waiting, counters: [here.counter] });
}

function ticketAction(action) {
  const ticket = inHand();
  if (ticket) act(() => api("POST", `/tickets/${ticket.id}/${action}`));
}

/**
 * Run one change; its answer updates the screen at once (the event confirms it). `doneKey`:
 * the catalog's words for its success ({label}); `inDialog`: a dialog shows the error itself.
 * Returns the error's message, or null.
 */
async function act(change, { doneKey = null, inDialog = false } = {}) {
  if (view.busy) return null;
  view.busy = true;
  clearMessages();
  render();
  let failed = null;
  try {
    const result = await change();
    if (result && result.label !== undefined && view.here) {
      // At once on screen; its event, before or after this answer, moves the queues.
      const mine = result.counter_id === view.counterId && ["called", "serving"].includes(result.state);
      noteDone(result);
      if (mine) view.here.in_hand = result;
      else if (view.here.in_hand?.id === result.id) view.here.in_hand = null;
      view.known.delete(result.id);
      if (doneKey) say(t(doneKey, { label: result.label }));
    } else if (result && result.number !== undefined && view.here) view.here.counter = result;
  } catch (error) {
    failed = error.message;
    if (!inDialog) {
      $("message").textContent = failed;
      $("message").hidden = false;
    }
  } finally {
    view.busy = false;
    render();
  }
  return failed;
}

function openPause() {
  clearMessages();
  $("pause-reasons").replaceChildren(
    ...Object.entries(PAUSE_REASONS).map(([reason, key], i) =>
      el("label", {}, el("input", { type: "radio", name: "pause-reason", value: reason, checked: i === 0 }), t(key)),
    ),
  );
  $("pause-error").hidden = true;
  $("pause-dialog").showModal();
  $("pause-form").querySelector("input:checked").focus();
}

async function onPause(event) {
  event.preventDefault();
  const reason = $("pause-form").elements["pause-reason"].value;
  const failed = await act(() => api("POST", `/counters/${view.counterId}/pause`, { reason }), { inDialog: true });
  if (failed) {
    $("pause-error").textContent = failed;
    $("pause-error").hidden = false;
  } else $("pause-dialog").close();
}

function openTransfer() {
  const ticket = inHand();
  if (!ticket) return;
  clearMessages();
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
    say(t("console.transferred", { label: leg.label }));
    render();
  } catch (error) {
    $("transfer-error").textContent = error.message;
    $("transfer-error").hidden = false;
  }
}

const KEYS = { n: "btn-call", g: "btn-number", r: "btn-recall", s: "btn-start", d: "btn-done", v: "btn-noshow", t: "btn-transfer", p: "btn-pause", h: "btn-receive" };

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
