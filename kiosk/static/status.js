// The citizen's status page, /t/<token>: the ticket by its token (GET /api/v1/status/<token>),
// refreshed when /ws/status/<token> says the queue moved, and polled slowly besides (and
// quickly while that stream is down). Losing the stream says "connection lost" at once: the
// page must not claim to update itself while it cannot.

import { EventStream, LANGUAGES, POLICY_VIOLATION, applyCatalog, loadCatalog, translate } from "./common.js";
import { UNSATISFIED, phoneRating, renderFaces, renderReasons, sendRating } from "./rating.js";

const POLL_CONNECTED_MS = 30000;
const POLL_DISCONNECTED_MS = 4000;

const token = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
const state = {
  catalog: null,
  language: (navigator.language || "vi").toLowerCase().startsWith("en") ? "en" : "vi",
  status: null,
  found: true,
  reachable: true,
  streaming: false,
  streamLost: false, // the stream was up and went down (not: has not connected yet)
  updatedAt: null,
  pollTimer: null,
  refreshTimer: null,
  stream: null,
  level: null, // the face tapped, while reasons are chosen
  sending: false,
  rateFailed: false,
};
const $ = (id) => document.getElementById(id);
const t = (key, values) => translate(state.catalog, state.language, key, values);

async function refresh() {
  clearTimeout(state.pollTimer);
  try {
    const response = await fetch(`/api/v1/status/${encodeURIComponent(token)}`, { cache: "no-store" });
    state.reachable = true;
    if (response.status === 404) {
      state.found = false;
    } else if (response.ok) {
      state.found = true;
      state.status = await response.json();
      state.updatedAt = new Date();
      startStream();
    } else {
      state.reachable = false;
    }
  } catch (_) {
    state.reachable = false;
  }
  render();
  const live = state.streaming && state.reachable;
  state.pollTimer = setTimeout(refresh, live ? POLL_CONNECTED_MS : POLL_DISCONNECTED_MS);
}

function refreshSoon() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, 150);
}

function startStream() {
  if (state.stream) return;
  state.stream = new EventStream({
    path: `/ws/status/${encodeURIComponent(token)}`,
    onSnapshot: () => {
      state.streaming = true;
      refreshSoon();
    },
    onEvent: () => refreshSoon(),
    onOnline: (online, code) => {
      state.streaming = online;
      if (!online && code === POLICY_VIOLATION) {
        state.stream.stop(); // no such ticket: poll
      } else if (!online && !state.streamLost) {
        state.streamLost = true;
        clearTimeout(state.pollTimer); // poll quickly until the stream is back
        state.pollTimer = setTimeout(refresh, POLL_DISCONNECTED_MS);
      } else if (online) {
        state.streamLost = false;
      }
      render();
    },
  });
  state.stream.start();
}

function renderRating(status) {
  $("rate").hidden = !status || !status.can_rate;
  $("reasons").hidden = !UNSATISFIED.includes(state.level);
  $("rate-error").hidden = !state.rateFailed;
  for (const button of document.querySelectorAll("#rate button")) button.disabled = state.sending;
  for (const face of document.querySelectorAll(".face")) face.setAttribute("aria-pressed", String(face.dataset.level === state.level));
  $("rated").hidden = !status || !status.rating;
  if (status && status.rating) $("rated").textContent = t("rate_status_given", { level: t(`rate_level_${status.rating}`) });
}

function render() {
  applyCatalog(document, state.catalog, state.language);
  renderRating(state.found ? state.status : null);
  $("language").lang = LANGUAGES.find((l) => l !== state.language);
  const status = state.status;
  $("loading").hidden = Boolean(status) || !state.found;
  $("not-found").hidden = state.found;
  $("ticket").hidden = !status || !state.found;
  if (status) {
    $("label").textContent = status.label;
    $("category").textContent = state.language === "vi" ? status.category_vi : status.category_en;
    const stateEl = $("state");
    stateEl.dataset.state = status.state;
    stateEl.textContent = t(`state_${status.state}`, { counter: status.counter_number ?? "" });
    const waiting = status.state === "waiting";
    $("ahead-row").hidden = !waiting;
    $("wait-row").hidden = !waiting;
    $("ahead").textContent = String(status.people_ahead);
    $("wait").textContent = t("minutes", { n: status.estimated_wait_minutes });
  }
  const time = state.updatedAt
    ? state.updatedAt.toLocaleTimeString(state.language === "vi" ? "vi-VN" : "en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : "";
  $("connection").textContent = state.reachable && !state.streamLost
    ? `${t("status_live")} · ${t("status_updated", { time })}`
    : t("status_offline");
}

async function main() {
  state.catalog = await loadCatalog();
  renderReasons($("chips"));
  const send = (level, reasons) => sendRating({ token, level, reasons });
  const rated = (result) => {
    state.status = { ...state.status, can_rate: false, rating: result.ok ? result.body.level : state.status.rating };
    refresh(); // a 409 (rated at the counter meanwhile): the server says which rating stands
  };
  const { pick, rate } = phoneRating(state, $("chips"), render, send, rated);
  renderFaces($("faces"), pick);
  $("send").addEventListener("click", rate);
  $("language").addEventListener("click", () => {
    state.language = LANGUAGES[(LANGUAGES.indexOf(state.language) + 1) % LANGUAGES.length];
    render();
  });
  render();
  refresh();
}

main();
