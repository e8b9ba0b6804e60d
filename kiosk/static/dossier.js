// The citizen's dossier page, /d/<token>: what the QR code of the appointment slip opens.
// Reads GET /api/v1/public/dossiers/<token> (never the citizen's name or phone), and again
// every minute: a dossier moves in days, not seconds. Once the result is returned it asks,
// with the four faces of the ticket's page (rating.js), how the citizen was served: the
// rating of the visit that brought the dossier, once (POST /api/v1/ratings, dossier_token).

import { LANGUAGES, applyCatalog, loadCatalog, translate } from "./common.js";
import { UNSATISFIED, phoneRating, renderFaces, renderReasons, sendRating } from "./rating.js";

const POLL_MS = 60000;
const POLL_FAILED_MS = 10000;

const token = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
const state = {
  catalog: null,
  language: (navigator.language || "vi").toLowerCase().startsWith("en") ? "en" : "vi",
  dossier: null,
  found: true,
  level: null, // the face tapped, while reasons are chosen
  sending: false,
  rateFailed: false,
  pollTimer: null,
};
const $ = (id) => document.getElementById(id);
const t = (key, values) => translate(state.catalog, state.language, key, values);

/** "Friday 27/11/2026" (in the reader's language) from "2026-11-27": a calendar date, no time zone. */
function dayWithWeekday(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7; // Monday 0
  const date = `${String(day).padStart(2, "0")}/${String(month).padStart(2, "0")}/${year}`;
  return t("date_with_weekday", { weekday: t(`weekday_${weekday}`), date });
}

function localDay(utc) {
  return new Date(utc).toLocaleDateString("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }); // YYYY-MM-DD
}

async function refresh() {
  clearTimeout(state.pollTimer);
  let wait = POLL_MS;
  try {
    const response = await fetch(`/api/v1/public/dossiers/${encodeURIComponent(token)}`, { cache: "no-store" });
    if (response.status === 404) {
      state.found = false;
    } else if (response.ok) {
      state.found = true;
      state.dossier = await response.json();
    } else {
      wait = POLL_FAILED_MS;
    }
  } catch (_) {
    wait = POLL_FAILED_MS;
  }
  render();
  if (state.found) state.pollTimer = setTimeout(refresh, wait);
}

function renderRating(d) {
  $("rate").hidden = !d || !d.can_rate;
  $("reasons").hidden = !UNSATISFIED.includes(state.level);
  $("rate-error").hidden = !state.rateFailed;
  for (const button of document.querySelectorAll("#rate button")) button.disabled = state.sending;
  for (const face of document.querySelectorAll(".face")) face.setAttribute("aria-pressed", String(face.dataset.level === state.level));
  $("rated").hidden = !d || !d.rating;
  if (d && d.rating) $("rated").textContent = t("rate_status_given", { level: t(`rate_level_${d.rating}`) });
}

function render() {
  applyCatalog(document, state.catalog, state.language);
  $("language").lang = LANGUAGES.find((l) => l !== state.language);
  const d = state.dossier;
  $("loading").hidden = Boolean(d) || !state.found;
  $("not-found").hidden = state.found;
  $("dossier").hidden = !d || !state.found;
  $("center-info").hidden = !d || !state.found;
  renderRating(state.found ? d : null);
  if (!d) return;
  const vi = state.language === "vi";
  $("procedure").textContent = vi ? d.procedure_name_vi : d.procedure_name_en;
  $("state").dataset.state = d.state;
  $("state").textContent = t(`dossier_state_${d.state}`);
  const notice = d.state === "ready" ? "dossier_ready_notice"
    : d.state === "needs_more" ? "dossier_needs_more_notice"
    : d.late ? "dossier_late_notice" : null;
  $("notice").hidden = !notice;
  $("notice").dataset.kind = notice || "";
  if (notice) $("notice").textContent = t(notice);
  $("code").textContent = d.code;
  $("received").textContent = dayWithWeekday(localDay(d.received_at));
  $("due").textContent = dayWithWeekday(d.due_date);
  $("missing-row").hidden = d.state !== "needs_more" || !d.missing_documents;
  $("missing").textContent = d.missing_documents;
  $("reason-row").hidden = d.state !== "rejected" || !d.reject_reason;
  $("reason").textContent = d.reject_reason;
  $("center").textContent = vi ? d.center_name_vi : d.center_name_en;
  $("address").textContent = d.center_address;
  $("address").hidden = !d.center_address;
  $("hotline").textContent = d.center_hotline;
  $("hotline").href = `tel:${d.center_hotline.replace(/[^\d+]/g, "")}`;
  $("hotline").parentElement.hidden = !d.center_hotline;
}

async function main() {
  state.catalog = await loadCatalog();
  renderReasons($("chips"));
  const send = (level, reasons) => sendRating({ dossier_token: token, level, reasons });
  const rated = (result) => {
    const rating = result.ok ? result.body.level : state.dossier.rating;
    state.dossier = { ...state.dossier, can_rate: false, rating };
    refresh(); // a 409 (rated at the counter or on another page meanwhile): the server says which rating stands
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
