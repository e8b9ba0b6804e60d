/**
 * The leader's page: the floor now (per category the people waiting and the longest wait; per
 * counter its officer, state and the ticket in hand, for how long; which kiosks, displays and
 * printers are connected, or gone since when), live over /ws/events, and the reports (server/reports.py) as a table, a chart drawn by the server, CSV and XLSX.
 */
import {
  EventStream, Queue, alertsOf, api, el, loadCatalog, renderAlerts, setLanguage, signIn, signOut, since, state, t, translate, whoAmI,
} from "/web/static/common.js";

const $ = (id) => document.getElementById(id);
const queue = new Queue();
const view = {
  me: null, centerId: null, stream: null, report: null, reportRequest: 0, waits: new Map(), waitsTimer: null, ended: false,
  devices: null, // GET /centers/{id}/devices/presence, as last read
  targetAsked: false, // the leader typed a wait target of their own: the advice uses it, not the center's
};
// The expected waits are the server's estimator's (GET /centers/{id}/waits): read every
// WAITS_MS, and soon after the queue moves, at most once per WAITS_SOON_MS.
const WAITS_MS = 30000;
const WAITS_SOON_MS = 3000;
// Which devices are connected is state the server keeps (server/presence.py), not events it
// sends (a display's every reconnect went to every client): read every PRESENCE_MS, and at
// once when the stream comes back (the server may have restarted).
const PRESENCE_MS = 15000;
// A device's kind as the catalog names it (the admin page's names).
const KIND_KEYS = { kiosk: "admin.kind_kiosk", display: "admin.kind_display", print_agent: "admin.kind_print_agent", rating: "admin.kind_rating" };
// Gone first (what a leader acts on), then connected, then never seen.
const DEVICE_ORDER = { gone: 0, online: 1, never: 2 };
// The report's columns on screen: [key in the figures, catalog key, kind].
const COLUMNS = [
  ["issued", "leader.col_issued", "n"], ["called", "leader.col_called", "n"], ["served", "leader.col_served", "n"],
  ["no_show", "leader.col_no_show", "n"], ["cancelled", "leader.col_cancelled", "n"], ["transferred", "leader.col_transferred", "n"],
  ["wait_mean", "leader.col_wait_mean", "min"], ["wait_median", "leader.col_wait_median", "min"], ["wait_p90", "leader.col_wait_p90", "min"],
  ["service_mean", "leader.col_service_mean", "min"], ["service_p90", "leader.col_service_p90", "min"],
  ["satisfaction_rate", "leader.col_satisfaction", "%"], ["dossiers_received", "leader.col_dossiers", "n"],
  ["on_time_rate", "leader.col_on_time", "%"],
];

async function start() {
  await loadCatalog();
  translate();
  $("language").addEventListener("click", () => {
    setLanguage(state.language === "vi" ? "en" : "vi");
    render();
    if (view.report) showReport(view.report);
    if (view.me) loadStaffing(); // its names and notes come in the language asked
  });
  $("signin").addEventListener("submit", onSignIn);
  $("sign-out").addEventListener("click", async () => {
    await signOut().catch(() => {});
    location.reload();
  });
  $("period").addEventListener("change", () => { $("last-label").hidden = $("period").value !== "range"; });
  $("report-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadReport();
  });
  setInterval(renderFloor, 1000); // the waits grow by the second
  const me = await whoAmI();
  if (me) await enter(me);
  else $("signin").hidden = false;
}

/** The server closed the stream for this session: if the session has ended (signed out
 * elsewhere, account disabled, password changed), say so and ask to sign in again. */
async function onRefused() {
  const me = await whoAmI().catch(() => undefined); // undefined: the network; the stream retries
  if (me !== null) return; // still signed in (a new role): the stream reconnects
  view.stream.stop();
  view.ended = true;
  for (const id of ["leader", "sign-out", "online"]) $(id).hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = t("common.session_ended");
  $("signin-error").hidden = false;
}

async function onSignIn(event) {
  event.preventDefault();
  $("signin-error").hidden = true;
  try {
    const me = await signIn($("username").value.trim(), $("password").value);
    $("password").value = "";
    if (view.ended) location.reload(); // the page starts afresh for the new session
    else await enter(me);
  } catch (error) {
    $("signin-error").textContent = error.message;
    $("signin-error").hidden = false;
  }
}

async function enter(me) {
  if (!me.permissions.includes("audit.read")) {
    $("signin").hidden = false;
    $("signin-error").textContent = t("leader.not_leader");
    $("signin-error").hidden = false;
    return;
  }
  view.me = me;
  $("signin").hidden = true;
  $("leader").hidden = false;
  $("sign-out").hidden = false;
  $("online").hidden = false;
  $("who").textContent = me.username;
  const centers = await api("GET", "/centers");
  // An account above the centers (a province's) also reads them side by side.
  $("by-centers").hidden = $("by-centers").disabled = me.center_id !== null;
  const wanted = me.center_id ?? (Number(new URLSearchParams(location.search).get("center")) || null);
  view.centerId = (centers.find((c) => c.id === wanted) || centers[0]).id;
  view.stream = new EventStream(view.centerId, {
    onSnapshot: (snapshot) => { queue.load(snapshot); render(); },
    onEvent: (event) => {
      queue.apply(event);
      if (event.dossier) loadLate(); // a dossier moved on: the late list may change
      if (event.ticket && !view.waitsTimer) view.waitsTimer = setTimeout(loadWaits, WAITS_SOON_MS);
      if (event.kind === "center.updated") loadStaffing(); // its wait target may have changed
      render();
    },
    onOnline: (online) => {
      $("online").classList.toggle("off", !online);
      $("online").textContent = t(online ? "common.online" : "common.offline");
      if (online) loadDevices();
    },
    onRefused,
  });
  view.stream.start();
  loadLate();
  loadWaits();
  setInterval(loadWaits, WAITS_MS);
  loadDevices();
  setInterval(loadDevices, PRESENCE_MS);
  $("staffing-target").addEventListener("input", () => { view.targetAsked = $("staffing-target").value !== ""; });
  $("staffing-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadStaffing();
  });
  loadStaffing();
  $("day").value = queue.serviceDay || new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Ho_Chi_Minh" });
  await loadReport();
}

// ---- the floor ---------------------------------------------------------------------------------

function render() {
  translate();
  const center = queue.center;
  if (center) $("center-name").textContent = `${t("leader.title")} · ${state.language === "en" ? center.name_en : center.name_vi}`;
  renderFloor();
  renderDevices();
}

function renderFloor() {
  if (!view.me) return;
  const tickets = [...queue.tickets.values()];
  const categories = [...queue.categories.values()].sort((a, b) => a.position - b.position);
  $("categories").tBodies[0].replaceChildren(...categories.map((category) => {
    const waiting = tickets.filter((ticket) => ticket.state === "waiting" && ticket.category_id === category.id);
    const oldest = waiting.reduce((first, ticket) => (!first || ticket.queued_at < first ? ticket.queued_at : first), null);
    return el("tr", { dataset: { categoryId: category.id } },
      el("th", { scope: "row" }, `${category.prefix} · ${state.language === "en" ? category.name_en : category.name_vi}`),
      el("td", { class: "number waiting" }, String(waiting.length)),
      el("td", { class: "number longest" }, oldest ? since(oldest) : "—"),
      el("td", { class: "number expected" }, view.waits.has(category.id) ? t("leader.minutes", { n: view.waits.get(category.id) }) : "—"));
  }));
  const counters = [...queue.counters.values()].sort((a, b) => a.number - b.number);
  const waitingNow = tickets.filter((ticket) => ticket.state === "waiting");
  renderAlerts($("alerts"), $("alerts-none"), [...alertsOf({ center: queue.center, categories, waiting: waitingNow, counters }), ...deviceAlerts()]);
  $("counters").tBodies[0].replaceChildren(...counters.map((counter) => {
    const hand = tickets.find((ticket) => ticket.counter_id === counter.id && ["called", "serving"].includes(ticket.state));
    const from = hand ? (hand.state === "serving" ? hand.serving_at : hand.called_at) : null;
    return el("tr", { dataset: { counterId: counter.id } },
      el("th", { scope: "row" }, state.language === "en" ? counter.name_en : counter.name_vi),
      el("td", { class: "officer" }, counter.officer_name || "—"),
      el("td", { class: "state" }, t(`admin.counter_state_${counter.state}`)),
      el("td", { class: "in-hand" }, hand ? `${hand.label} (${t(`console.state_${hand.state}`)})` : "—"),
      el("td", { class: "number for" }, from ? since(from) : "—"));
  }));
}

async function loadWaits() {
  clearTimeout(view.waitsTimer);
  view.waitsTimer = null;
  try {
    const waits = await api("GET", `/centers/${view.centerId}/waits`);
    view.waits = new Map(waits.map((w) => [w.category_id, w.expected_minutes]));
  } catch {
    return; // shown again at the next read
  }
  renderFloor();
}

// ---- devices: connected now, or gone since when -----------------------------------------------

async function loadDevices() {
  if (!view.centerId) return;
  try {
    view.devices = await api("GET", `/centers/${view.centerId}/devices/presence`);
  } catch {
    return; // the stream's indicator says when the server is out of reach
  }
  renderDevices();
  renderFloor();
}

/** gone: connected before, not now; never: not seen since the device was added. */
function deviceState(device) {
  if (device.online) return "online";
  return device.since || device.last_seen_at ? "gone" : "never";
}

/** "09:12" today, "05/12 17:30" on another day, in the center's time. */
function when(iso) {
  const zone = { timeZone: queue.center?.timezone || "Asia/Ho_Chi_Minh" };
  const at = new Date(iso);
  const day = (d) => d.toLocaleDateString("sv-SE", zone);
  const time = at.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", ...zone });
  return day(at) === day(new Date()) ? time : `${at.toLocaleDateString("vi-VN", { day: "2-digit", month: "2-digit", ...zone })} ${time}`;
}

function renderDevices() {
  if (!view.devices) return;
  const devices = [...view.devices].sort((a, b) => DEVICE_ORDER[deviceState(a)] - DEVICE_ORDER[deviceState(b)] || a.name.localeCompare(b.name, "vi"));
  $("devices").hidden = devices.length === 0;
  $("devices-none").hidden = devices.length > 0;
  $("devices").tBodies[0].replaceChildren(...devices.map((device) => {
    const shown = deviceState(device);
    const at = shown === "online" ? device.since : device.since || device.last_seen_at;
    let label = t(`leader.device_${shown}`);
    if (shown === "online" && device.connections > 1) label = t("leader.device_online_many", { n: device.connections });
    return el("tr", { dataset: { deviceId: device.id, state: shown } },
      el("th", { scope: "row" }, device.name),
      el("td", { class: "kind" }, t(KIND_KEYS[device.kind] || "leader.device")),
      el("td", { class: "state" }, label),
      el("td", { class: "since" }, at ? when(at) : "—"));
  }));
}

/** A device that was connected and is not now is an alert until it comes back. */
function deviceAlerts() {
  return (view.devices || []).filter((device) => deviceState(device) === "gone").map((device) => ({
    id: `device:${device.id}`,
    key: "alert.device_gone",
    values: { kind: t(KIND_KEYS[device.kind] || "leader.device"), name: device.name, time: when(device.since || device.last_seen_at) },
  }));
}

// ---- staffing advice ---------------------------------------------------------------------------

async function loadStaffing() {
  // The center's own target (its admin sets it) unless the leader asks with another.
  const query = new URLSearchParams({ center_id: view.centerId, weeks: $("staffing-weeks").value });
  if (view.targetAsked) query.set("target_minutes", $("staffing-target").value);
  let advice;
  try {
    advice = await api("GET", `/staffing?${query}`);
  } catch (error) {
    $("staffing-note").textContent = error.message;
    $("staffing-note").hidden = false;
    return;
  }
  if (!view.targetAsked) $("staffing-target").value = advice.center_target_minutes;
  $("staffing-target-note").textContent = advice.target_minutes === advice.center_target_minutes
    ? t("leader.staffing_center_target", { n: advice.center_target_minutes })
    : t("leader.staffing_asked_target", { n: advice.target_minutes, center: advice.center_target_minutes });
  const note = advice.note ? advice.note[state.language] || advice.note.vi : "";
  $("staffing-note").textContent = note;
  $("staffing-note").hidden = !note;
  const rows = [];
  for (const category of advice.categories) {
    const name = `${category.prefix} · ${state.language === "en" ? category.name_en : category.name_vi}`;
    for (const hour of category.hours.filter((h) => h.arrivals_per_hour > 0)) {
      const short = hour.counters_needed !== null && hour.planned_counters < hour.counters_needed;
      rows.push(el("tr", { class: short ? "short" : "", dataset: { categoryId: category.category_id, hour: hour.hour } },
        el("th", { scope: "row" }, name),
        el("td", {}, `${hour.hour}:00–${hour.hour + 1}:00`),
        el("td", { class: "number" }, hour.arrivals_per_hour.toFixed(1)),
        el("td", { class: "number needed" }, hour.counters_needed === null ? t("leader.staffing_too_many") : String(hour.counters_needed)),
        el("td", { class: "number" }, String(hour.planned_counters)),
        el("td", { class: "number" }, `${Math.round(hour.planned_within_target * 100)}%`)));
    }
  }
  $("staffing").tBodies[0].replaceChildren(...rows);
}

// ---- late dossiers ----------------------------------------------------------------------------

/** Open dossiers past their due date (the server decides: GET /dossiers?late=true). */
async function loadLate() {
  let late;
  try {
    late = await api("GET", `/dossiers?center_id=${view.centerId}&late=true&limit=200`);
  } catch {
    return; // the stream's indicator says when the server is out of reach
  }
  const today = Date.parse(queue.serviceDay || new Date().toISOString().slice(0, 10));
  $("late-none").hidden = late.length > 0;
  $("late").hidden = late.length === 0;
  $("late").tBodies[0].replaceChildren(...late.map((dossier) => el("tr", { dataset: { dossierId: dossier.id } },
    el("th", { scope: "row" }, dossier.code),
    el("td", {}, state.language === "en" ? dossier.procedure_name_en : dossier.procedure_name_vi),
    el("td", {}, dossier.due_date.split("-").reverse().join("/")),
    el("td", { class: "number" }, String(Math.round((today - Date.parse(dossier.due_date)) / 86400000))),
    el("td", {}, el("a", { href: `/dossiers/${dossier.id}/apology`, target: "_blank" }, t("leader.late_letter"))))));
}

// ---- the reports -------------------------------------------------------------------------------

function reportQuery() {
  const query = new URLSearchParams({ center_id: view.centerId, period: $("period").value, day: $("day").value, by: $("by").value, language: state.language });
  if ($("period").value === "range") query.set("last", $("last").value);
  if (query.get("by") === "centers") { // every center the account sees, a row each
    query.delete("center_id");
    query.delete("by");
  }
  return query;
}

async function loadReport() {
  // Only the latest request may draw: an earlier one still reading (the first load, a second
  // click) would otherwise put back its figures or its chart over the newer ones.
  const mine = ++view.reportRequest;
  const query = reportQuery();
  const path = $("by").value === "centers" ? "/reports/centers" : "/reports/figures";
  $("report-error").hidden = true;
  try {
    const report = await api("GET", `${path}?${query}`);
    if (mine !== view.reportRequest) return;
    showReport(report);
  } catch (error) {
    if (mine !== view.reportRequest) return;
    $("report-error").textContent = error.message;
    $("report-error").hidden = false;
    return;
  }
  for (const format of ["csv", "xlsx"]) {
    const link = new URLSearchParams(query);
    link.set("format", format);
    $(format).href = `/api/v1${path}?${link}`;
  }
  if (path === "/reports/centers") { // the chart is one center's day
    $("arrivals").hidden = true;
    return;
  }
  const chart = new URLSearchParams(query);
  chart.delete("by");
  // Read, then shown from memory: an <img> would keep the first drawing of the same address.
  const answer = await fetch(`/api/v1/reports/arrivals.svg?${chart}`, { credentials: "same-origin" });
  const drawing = answer.ok ? await answer.blob() : null;
  if (!drawing || mine !== view.reportRequest) return;
  URL.revokeObjectURL($("arrivals").src);
  $("arrivals").src = URL.createObjectURL(drawing);
  $("arrivals").dataset.query = chart.toString();
  $("arrivals").alt = t("leader.arrivals_alt");
  $("arrivals").hidden = false;
}

function cell(value, kind) {
  if (value === null || value === undefined) return "—";
  if (kind === "%") return `${(value * 100).toFixed(1)}%`;
  if (kind === "min") return value.toFixed(1);
  return String(value);
}

function showReport(report) {
  view.report = report;
  $("report").tHead.replaceChildren(el("tr", {},
    el("th", { scope: "col" }, t("leader.col_name")),
    ...COLUMNS.map(([, key, kind]) => el("th", { scope: "col", class: kind === "n" ? "number" : "number" }, t(key)))));
  const line = (row, name, extra = {}) => el("tr", extra,
    el("th", { scope: "row" }, name),
    ...COLUMNS.map(([field, , kind]) => el("td", { class: "number", dataset: { field } }, cell(row[field], kind))));
  $("report").tBodies[0].replaceChildren(
    ...(report.by === "center" && report.center_id !== null ? [] : report.rows.map((row) => line(row, row.name))),
    line(report.total, t("leader.total"), { class: "total" }));
}

start();
