/**
 * What the console and the admin share: the message catalog (messages.json, Vietnamese first),
 * calls to the REST API with the session's CSRF token, and the /ws/events stream.
 */

export const state = { language: localStorage.getItem("motcua.language") || "vi", catalog: {}, csrf: null };

export async function loadCatalog() {
  const response = await fetch("/web/static/messages.json", { cache: "no-cache" });
  state.catalog = await response.json();
  translate();
}

/** The catalog's text for `key` in the chosen language, with {name} filled from `values`. */
export function t(key, values = {}) {
  const entry = state.catalog[key];
  const text = entry ? entry[state.language] || entry.vi : key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

/** A catalog entry as a server message ({vi, en}), to be shown in whichever language. */
function bothLanguages(key) {
  const entry = state.catalog[key] || {};
  return { vi: entry.vi || key, en: entry.en || entry.vi || key };
}

/** A server message ({vi, en}) in the chosen language. */
export function said(message) {
  if (!message) return "";
  return typeof message === "string" ? message : message[state.language] || message.vi;
}

/** Fill every [data-i18n] element's text and [data-i18n-*] attribute from the catalog. */
export function translate(root = document) {
  document.documentElement.lang = state.language;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const attr of ["placeholder", "title", "aria-label"]) {
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) el.setAttribute(attr, t(el.dataset[`i18n${camel(attr)}`]));
  }
}

function camel(attr) {
  return attr.split("-").map((part) => part[0].toUpperCase() + part.slice(1)).join("");
}

export function setLanguage(language) {
  state.language = language;
  localStorage.setItem("motcua.language", language);
  translate();
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? said(body.message) : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** A REST call; changes carry the session's CSRF token. Throws ApiError on any non-2xx. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (_) {
    // The server or the network is down: the browser's own words ("Failed to fetch") mean
    // nothing to staff; say it in theirs.
    throw new ApiError(0, { code: "network_error", message: bothLanguages("common.network_error") });
  }
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Who is signed in (and the CSRF token), or null. */
export async function whoAmI() {
  try {
    const me = await api("GET", "/auth/me");
    state.csrf = me.csrf_token;
    return me;
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

export async function signIn(username, password) {
  const me = await api("POST", "/auth/login", { username, password });
  state.csrf = me.csrf_token;
  return me;
}

export async function signOut() {
  await api("POST", "/auth/logout");
  state.csrf = null;
}

/** A one-time key for a request that must not be done twice (issuing a ticket). */
export function onceKey(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `${prefix}-${Date.now().toString(36)}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// The server closes a stream with this code when it will not serve the session any more (signed
// out, account disabled, role or password changed) or never did.
export const POLICY_VIOLATION = 1008;

/**
 * /ws/events for a center with the session cookie: a snapshot, then events in sequence. A gap
 * or a lost connection reconnects with the last sequence, so no event is missed.
 *
 * With `counterId` (a counter's console) it starts from the counter's view instead (or from
 * `seq`, a view already read) and gets only that counter's events: their sequences increase
 * but skip the others', and the server keeps them in order.
 */
export class EventStream {
  constructor(centerId, { onSnapshot, onView, onEvent, onOnline, onRefused, counterId = null, seq = null }) {
    this.centerId = centerId;
    this.counterId = counterId;
    this.onSnapshot = onSnapshot;
    this.onView = onView;
    this.onEvent = onEvent;
    this.onOnline = onOnline || (() => {});
    this.onRefused = onRefused || (() => {}); // the server closed with POLICY_VIOLATION
    this.seq = seq;
    this.failures = 0;
    this.socket = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.close();
  }

  connect() {
    const params = new URLSearchParams(this.counterId ? { counter_id: this.counterId } : { center_id: this.centerId });
    if (this.seq !== null) params.set("since", this.seq);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/events?${params}`);
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.onOnline(true);
    };
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "snapshot") {
        this.seq = data.seq;
        this.onSnapshot(data);
      } else if (data.type === "counter_view") {
        this.seq = data.seq;
        this.onView(data);
      } else if (data.type === "event") {
        if (this.seq === null || data.seq <= this.seq) return;
        if (data.seq !== this.seq + 1 && !this.counterId) {
          this.seq = null; // a gap: start again from a snapshot
          socket.close();
          return;
        }
        this.seq = data.seq;
        this.onEvent(data);
      }
    };
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onOnline(false);
      if (close.code === POLICY_VIOLATION) this.onRefused(close.reason); // may stop() it
      if (this.stopped) return;
      this.failures += 1;
      setTimeout(() => this.connect(), Math.min(10000, 500 * 2 ** Math.min(this.failures, 5)));
    };
  }
}

/** The queue as the stream describes it: snapshot, then events applied in order. */
export class Queue {
  constructor() {
    this.center = null;
    this.serviceDay = null;
    this.categories = new Map();
    this.counters = new Map();
    this.tickets = new Map();
    this.notices = [];
  }

  load(snapshot) {
    this.center = snapshot.center;
    this.serviceDay = snapshot.service_day;
    this.categories = new Map(snapshot.categories.map((c) => [c.id, c]));
    this.counters = new Map(snapshot.counters.map((c) => [c.id, c]));
    this.tickets = new Map(snapshot.tickets.map((ticket) => [ticket.id, ticket]));
    this.notices = snapshot.notices || [];
  }

  apply(event) {
    if (event.ticket) this.applyTicket(event.ticket);
    // A retired counter or category leaves the lists (no ticket of today is left in it).
    if (event.counter) this.keep(this.counters, event.counter);
    for (const category of event.categories || []) this.keep(this.categories, category);
    if (event.center) this.center = event.center;
    if (event.notices) this.notices = event.notices;
  }

  keep(map, item) {
    if (item.active === false) map.delete(item.id);
    else map.set(item.id, item);
  }

  applyTicket(ticket) {
    if (this.serviceDay === null || ticket.service_day > this.serviceDay) {
      this.serviceDay = ticket.service_day; // a new day: yesterday's queue is over
      this.tickets.clear();
    }
    if (["waiting", "called", "serving"].includes(ticket.state)) this.tickets.set(ticket.id, ticket);
    else this.tickets.delete(ticket.id);
  }

  categoryName(id, language) {
    const category = this.categories.get(id);
    if (!category) return "";
    return language === "en" ? category.name_en : category.name_vi;
  }
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    // Through the CSSOM: the pages' Content-Security-Policy refuses style attributes.
    else if (name === "style") node.style.cssText = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** "mm:ss" (or "h:mm:ss") since an ISO time. */
export function since(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/**
 * What is past its limit now, for the leader's page and the consoles: a category where someone
 * has waited longer than its `wait_alert_minutes`, a counter paused longer than the center's
 * `pause_alert_minutes`. Each: {id, key (catalog), values}. The consoles pass their own queues
 * and counter, the leader's page the whole center.
 */
export function alertsOf({ center, categories, waiting, counters }, now = Date.now(), language = state.language) {
  const minutes = (iso) => Math.floor((now - Date.parse(iso)) / 60000);
  const found = [];
  for (const category of categories) {
    const limit = category.wait_alert_minutes;
    if (!limit) continue;
    const oldest = waiting.filter((ticket) => ticket.category_id === category.id).map((ticket) => minutes(ticket.queued_at));
    const longest = Math.max(-1, ...oldest);
    if (longest >= limit) {
      const name = `${category.prefix} · ${language === "en" ? category.name_en : category.name_vi}`;
      found.push({ id: `wait:${category.id}`, key: "alert.wait", values: { category: name, minutes: longest, limit } });
    }
  }
  const pauseLimit = center?.pause_alert_minutes;
  for (const counter of counters) {
    if (!pauseLimit || counter.state !== "paused" || !counter.paused_at) continue;
    const paused = minutes(counter.paused_at);
    if (paused >= pauseLimit) {
      const name = language === "en" ? counter.name_en : counter.name_vi;
      found.push({ id: `pause:${counter.id}`, key: "alert.pause", values: { counter: name, minutes: paused, limit: pauseLimit } });
    }
  }
  return found;
}

/** Show alerts in a list, touching it only when they change (it is a live region). */
export function renderAlerts(list, none, alerts) {
  const text = alerts.map((alert) => t(alert.key, alert.values));
  if (list.dataset.shown === JSON.stringify(text)) return;
  list.dataset.shown = JSON.stringify(text);
  list.replaceChildren(...text.map((line, i) => el("li", { dataset: { alert: alerts[i].id } }, line)));
  if (none) none.hidden = alerts.length > 0;
}
