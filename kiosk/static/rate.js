// The counter's rating screen, /rate?counter_id=N: a small tablet on the counter or the
// officer's second screen. It follows its counter over /ws/events?counter_id=N and, when the
// officer completes a ticket, asks the citizen how satisfied they are: four faces, a spoken
// question, reason chips when not satisfied, a thank-you; it goes home by itself.
//
// Who it is: a `rating` device, its token in ?token= (then remembered), or without one the
// officer's own session (the console's sign-in, in another window of the same browser).
// Address options: &timeout=30 (seconds a question waits for a tap), &thanks=6.

import { EventStream, Voice, applyCatalog, authHeaders, deviceToken, loadCatalog, translate } from "./common.js";
import { UNSATISFIED, chosenReasons, renderFaces, renderReasons, sendRating } from "./rating.js";

const params = new URLSearchParams(location.search);
const seconds = (value, fallback) => (Number(value) > 0 ? Number(value) : fallback) * 1000;
const counterId = Number(params.get("counter_id")) || null;
const QUESTION_MS = seconds(params.get("timeout"), 30);
const THANKS_MS = seconds(params.get("thanks"), 6);
const token = deviceToken("motcua.rate.token");

const state = {
  catalog: null,
  screen: "home",
  center: null,
  counter: null,
  ticket: null, // the ticket being rated
  level: null,
  sending: false,
  online: false,
  csrf: null, // the officer's session: changes carry its CSRF token
  timer: null,
  thanks: null, // {vi, en} on the thank-you screen
};
const voice = new Voice();
window.motcuaRate = { voice }; // what it said, for whoever wants to know (tests, logs)
const $ = (id) => document.getElementById(id);
const t = (key, values, language = "vi") => translate(state.catalog, language, key, values);

function show(screen, ms = 0, then = goHome) {
  state.screen = screen;
  clearTimeout(state.timer);
  if (ms) state.timer = setTimeout(then, ms);
  render();
}

function goHome() {
  state.ticket = null;
  state.level = null;
  state.sending = false;
  $("error").hidden = true;
  show("home");
}

function ask(ticket) {
  state.ticket = ticket;
  state.level = null;
  state.sending = false;
  $("error").hidden = true;
  for (const chip of document.querySelectorAll(".chip")) chip.setAttribute("aria-pressed", "false");
  show("question", QUESTION_MS);
  voice.say("vi", ["rate_question"]);
}

function pick(level) {
  if (state.sending || !state.ticket) return;
  state.level = level;
  if (UNSATISFIED.includes(level)) {
    // A tap on a face is an answer: if no reason follows, the level alone is recorded.
    show("reasons", QUESTION_MS, submit);
  } else {
    submit();
  }
}

async function submit() {
  if (state.sending || !state.ticket || !state.level) return;
  state.sending = true;
  clearTimeout(state.timer);
  render();
  const headers = token ? authHeaders(token) : { "X-CSRF-Token": state.csrf || "" };
  const reasons = UNSATISFIED.includes(state.level) ? chosenReasons($("chips")) : [];
  const result = await sendRating(
    { ticket_id: state.ticket.id, counter_id: counterId, level: state.level, reasons },
    headers,
  );
  if (result.ok || result.status === 409) {
    // 409: rated already (from the phone, or a second tap): say the server's words, go home.
    state.thanks = result.ok ? null : result.body && result.body.message;
    show("thanks", THANKS_MS);
    if (result.ok) voice.say("vi", ["rate_thanks"]);
    return;
  }
  state.sending = false;
  $("error").hidden = false;
  show(state.screen, QUESTION_MS);
}

function onEvent(event) {
  if (event.counter && event.counter.id === counterId) state.counter = event.counter;
  if (event.center && state.center && event.center.id === state.center.id) state.center = event.center;
  const ticket = event.ticket;
  if (event.kind === "ticket.done" && ticket && ticket.counter_id === counterId) {
    ask(ticket);
  } else if (event.kind === "rating.recorded" && ticket && state.ticket && ticket.id === state.ticket.id && !state.sending) {
    goHome(); // rated on the phone meanwhile
  } else {
    render();
  }
}

function render() {
  applyCatalog(document, state.catalog, "vi");
  for (const screen of ["home", "question", "reasons", "thanks"]) $(screen).hidden = state.screen !== screen;
  $("no-counter").hidden = Boolean(counterId);
  $("center-name").textContent = state.center ? state.center.name_vi : "";
  $("counter-name").textContent = state.counter ? t("rate_counter", { number: state.counter.number }) : "";
  $("ticket-label").textContent = state.ticket ? t("rate_ticket", { label: state.ticket.label }) : "";
  const thanks = state.thanks || { vi: t("rate_thanks"), en: t("rate_thanks", {}, "en") };
  $("thanks-vi").textContent = thanks.vi;
  $("thanks-en").textContent = thanks.en;
  $("error").textContent = `${t("rate_error")} ${t("rate_error", {}, "en")}`;
  for (const button of document.querySelectorAll(".face, .chip, #send")) button.disabled = state.sending;
  $("connection").textContent = state.online ? "" : `${t("rate_offline")} · ${t("rate_offline", {}, "en")}`;
}

async function main() {
  state.catalog = await loadCatalog();
  renderFaces($("faces"), pick);
  renderReasons($("chips"), () => show("reasons", QUESTION_MS, submit));
  $("send").addEventListener("click", submit);
  render();
  if (!counterId) return;
  if (!token) {
    const me = await fetch("/api/v1/auth/me", { cache: "no-store" }).catch(() => null);
    if (me && me.ok) state.csrf = (await me.json()).csrf_token;
  }
  const stream = new EventStream({
    token,
    params: { counter_id: String(counterId) },
    onSnapshot: (view) => {
      state.center = view.center;
      state.counter = view.counter;
      render();
    },
    onEvent,
    onOnline: (online) => {
      state.online = online;
      render();
    },
  });
  stream.start();
}

main();
