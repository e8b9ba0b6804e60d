/**
 * The console's dossiers (hồ sơ): receive them at the counter from the ticket in hand (or just
 * done there), the ticket's own list with its appointment slips, and the center's dossiers view
 * with each dossier's next steps. The server decides everything (due dates, the steps allowed,
 * the search without diacritics); this module asks it and shows its answers, and reads again
 * when a dossier event comes on the console's stream.
 */
import { api, el, said, state, t } from "/web/static/common.js";
import { clearFieldError, matches, showFieldErrors } from "/web/static/admin_fields.js";

const $ = (id) => document.getElementById(id);
// What may follow each state: server/dossiers.py NEXT, mirrored to offer only the steps the
// server accepts (it refuses any other with 409 dossier_invalid_transition).
const NEXT = {
  received: ["processing", "needs_more", "ready", "returned", "rejected"],
  processing: ["needs_more", "ready", "rejected"],
  needs_more: ["processing", "ready", "rejected"],
  ready: ["returned"],
  returned: [],
  rejected: [],
};
const CLOSED = ["returned", "rejected"];
// The words a step needs, and the body field they go in.
const WORDS = { needs_more: "missing_documents", rejected: "reject_reason" };
const READ_AGAIN_MS = 300; // dossier events come in bursts (a demo seed, a busy hour): one read

const dossiers = {
  ctx: null, // {centerId(), counterId(), ticket()} from console.js
  procedures: [],
  ticketId: null, // whose dossiers the counter's list shows
  ticketDossiers: [],
  all: [],
  step: null, // {dossier, state} the step dialog asks words for
  timer: null,
  shown: false, // the dossiers view is on screen
};

/** "Thứ Sáu, 27/11/2026" for an ISO date ("2026-11-27"), the weekday in the chosen language. */
export function dueDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const weekday = (new Date(y, m - 1, d).getDay() + 6) % 7; // Monday 0, as the apology letter counts
  const date = `${String(d).padStart(2, "0")}/${String(m).padStart(2, "0")}/${y}`;
  return t("dossier.due_with_weekday", { weekday: t(`apology.weekday_${weekday}`), date });
}

function procedureName(d) {
  return state.language === "en" ? d.procedure_name_en : d.procedure_name_vi;
}

export function wireDossiers(ctx) {
  dossiers.ctx = ctx;
  $("receive-form").addEventListener("submit", onReceive);
  $("receive-form").addEventListener("input", (event) => clearFieldError(event.target));
  $("receive-cancel").addEventListener("click", () => $("receive-dialog").close());
  $("procedure-search").addEventListener("input", () => drawProcedures());
  $("procedure-search").addEventListener("keydown", onSearchKey);
  $("procedure-list").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      $("dossier-code").focus();
    }
  });
  $("dossier-code").addEventListener("keydown", onCodeKey);
  $("step-form").addEventListener("submit", onStep);
  $("step-cancel").addEventListener("click", () => $("step-dialog").close());
  $("step-text").addEventListener("input", (event) => clearFieldError(event.target));
  $("dossier-filter").addEventListener("submit", (event) => event.preventDefault());
  $("dossier-state").addEventListener("change", () => readAll());
  $("dossier-late").addEventListener("change", () => readAll());
  $("dossier-q").addEventListener("input", () => readSoon());
}

// ---- receiving at the counter --------------------------------------------------------------------

export async function openReceive() {
  const ticket = dossiers.ctx.ticket();
  if (!ticket) return;
  const form = $("receive-form");
  form.reset();
  $("procedure-list").replaceChildren(); // the last dossier's procedure is not chosen again unasked
  for (const control of form.querySelectorAll("input, select")) clearFieldError(control);
  $("receive-error").hidden = true;
  $("receive-title").textContent = t("dossier.receive_title", { label: ticket.label });
  $("receive-dialog").showModal();
  $("procedure-search").focus();
  try {
    dossiers.procedures = await api("GET", `/centers/${dossiers.ctx.centerId()}/procedures?limit=500`);
  } catch (error) {
    fail("receive-error", error.message);
  }
  drawProcedures();
}

/** The center's procedures whose name or code has what is typed, diacritics optional; one
 * found is chosen at once. */
function drawProcedures() {
  const query = $("procedure-search").value;
  const list = $("procedure-list");
  const chosen = list.value;
  const found = dossiers.procedures.filter((p) => !query.trim() || matches(p.name_vi, query) || matches(p.code, query) || matches(p.name_en, query));
  list.replaceChildren(
    ...found.map((p) => el("option", { value: p.id, selected: String(p.id) === chosen }, state.language === "en" ? p.name_en : p.name_vi)),
  );
  // Something typed: the first found is chosen (Enter takes it); nothing typed: nothing chosen,
  // so that a scanned code's Enter never receives a dossier under a procedure not picked.
  if (query.trim() && found.length && !list.value) list.value = String(found[0].id);
}

/** In the search: Down goes into the list; Enter takes what is chosen and moves on to the code. */
function onSearchKey(event) {
  if (event.key === "ArrowDown") {
    event.preventDefault();
    $("procedure-list").focus();
  } else if (event.key === "Enter") {
    event.preventDefault();
    if ($("procedure-list").value) $("dossier-code").focus();
  }
}

/** A barcode scanner types the code and presses Enter: submit when everything required is
 * there, else go to what is missing (never a half-filled form). */
function onCodeKey(event) {
  if (event.key !== "Enter") return;
  event.preventDefault();
  if (!$("procedure-list").value) $("procedure-search").focus();
  else if ($("dossier-code").value.trim()) $("receive-form").requestSubmit();
}

async function onReceive(event) {
  event.preventDefault();
  const ticket = dossiers.ctx.ticket();
  const form = $("receive-form");
  $("receive-error").hidden = true;
  const missing = [];
  if (!$("procedure-list").value) missing.push({ field: "procedure_id", message: t("dossier.pick_procedure") });
  if (!$("dossier-code").value.trim()) missing.push({ field: "code", message: t("dossier.code_needed") });
  if (missing.length || !ticket) {
    showFieldErrors(form, missing);
    return;
  }
  const body = { ticket_id: ticket.id, procedure_id: Number($("procedure-list").value), code: $("dossier-code").value.trim() };
  const name = $("citizen-name").value.trim();
  const phone = $("citizen-phone").value.trim();
  if (name) body.citizen_name = name;
  if (phone) body.citizen_phone = phone;
  $("receive-confirm").disabled = true;
  try {
    const dossier = await api("POST", "/dossiers", body);
    if (dossiers.ticketId !== dossier.ticket_id) {
      dossiers.ticketId = dossier.ticket_id;
      dossiers.ticketDossiers = [];
    }
    if (!dossiers.ticketDossiers.some((d) => d.id === dossier.id)) dossiers.ticketDossiers.unshift(dossier);
    $("receive-dialog").close();
    renderTicketDossiers();
  } catch (error) {
    refuse(form, "receive-error", error);
  } finally {
    $("receive-confirm").disabled = false;
  }
}

/** A refusal under its fields (a 422's errors, or a taken code), else in the dialog's alert. */
function refuse(form, alertId, error) {
  const body = error.body || {};
  let errors = (body.errors || []).filter((e) => e.field && form.querySelector(`[data-field="${e.field}"]`));
  if (body.code === "dossier_code_taken") errors = [{ field: "code", message: body.message }];
  if (errors.length) showFieldErrors(form, errors);
  else fail(alertId, error.message);
}

function fail(id, text) {
  $(id).textContent = text;
  $(id).hidden = false;
}

// ---- the ticket's dossiers -------------------------------------------------------------------------

/** The list under the ticket: the dossiers of the ticket in hand (or just done here). */
export function renderTicketDossiers() {
  const ticket = dossiers.ctx?.ticket();
  if (!ticket) {
    $("ticket-dossiers").hidden = true;
    return;
  }
  if (dossiers.ticketId !== ticket.id) {
    dossiers.ticketId = ticket.id;
    dossiers.ticketDossiers = [];
    $("slip-message").hidden = true;
    readTicketDossiers();
  }
  $("ticket-dossiers").hidden = dossiers.ticketDossiers.length === 0;
  $("ticket-dossiers-title").textContent = t("dossier.of_ticket", { label: ticket.label });
  $("ticket-dossier-list").replaceChildren(...dossiers.ticketDossiers.map((d) => el("li", { dataset: { dossierId: d.id, code: d.code } }, ...summary(d), slipButtons(d))));
}

async function readTicketDossiers() {
  const ticketId = dossiers.ticketId;
  try {
    const found = await api("GET", `/dossiers?ticket_id=${ticketId}&limit=200`);
    if (dossiers.ticketId !== ticketId) return;
    dossiers.ticketDossiers = found;
    renderTicketDossiers();
  } catch {
    // offline: the next ticket or event reads again
  }
}

/** A dossier's code, procedure, due date, state and late mark. */
function summary(d) {
  return [
    el("span", { class: "code" }, d.code),
    el("span", { class: "procedure" }, procedureName(d)),
    el("span", { class: "due" }, `${t("dossier.due")}: `, el("strong", { class: "due-date" }, dueDate(d.due_date))),
    el("span", { class: `badge state ${d.state}` }, t(`dossier.state_${d.state}`)),
    d.late ? el("span", { class: "badge late" }, t("dossier.late")) : "",
  ];
}

function slipButtons(d) {
  return el(
    "span",
    { class: "slip" },
    el("button", { type: "button", class: "print-slip", onclick: () => printSlip(d) }, t("dossier.print_slip")),
    el("a", { class: "button pdf", href: `/api/v1/dossiers/${d.id}/slip.pdf`, target: "_blank", rel: "noopener", "aria-label": t("dossier.pdf_of", { code: d.code }) }, t("dossier.pdf")),
  );
}

/** The slip on the printer of the counter that received the dossier; with none there, the
 * server's words and the PDF to print elsewhere. */
async function printSlip(d) {
  const box = $("slip-message");
  box.hidden = true;
  box.replaceChildren();
  try {
    await api("POST", `/dossiers/${d.id}/print-slip`);
    box.className = "note";
    box.textContent = t("dossier.slip_sent", { code: d.code });
  } catch (error) {
    box.className = "alert";
    box.append(error.message);
    if (error.body?.code === "no_printer") {
      box.append(" ", el("a", { href: `/api/v1/dossiers/${d.id}/slip.pdf`, target: "_blank", rel: "noopener" }, t("dossier.open_pdf")));
    }
  }
  box.hidden = false;
}

// ---- the center's dossiers ---------------------------------------------------------------------------

export function showDossiersView(shown) {
  dossiers.shown = shown;
  if (!shown) return;
  drawStates();
  readAll();
}

/** The view again in the language chosen, from what was read. */
export function redrawDossiers() {
  drawStates();
  drawAll();
}

function drawStates() {
  const select = $("dossier-state");
  const chosen = select.value || "open";
  select.replaceChildren(
    ...["open", "all", ...Object.keys(NEXT)].map((s) =>
      el("option", { value: s, selected: s === chosen }, t(s === "open" ? "dossier.filter_open" : s === "all" ? "dossier.filter_all" : `dossier.state_${s}`)),
    ),
  );
}

function readSoon() {
  clearTimeout(dossiers.timer);
  dossiers.timer = setTimeout(readAll, READ_AGAIN_MS);
}

async function readAll() {
  clearTimeout(dossiers.timer);
  const chosen = $("dossier-state").value || "open";
  const params = new URLSearchParams({ center_id: dossiers.ctx.centerId(), limit: 200 });
  if (!["open", "all"].includes(chosen)) params.set("state", chosen);
  if ($("dossier-late").checked) params.set("late", "true");
  const q = $("dossier-q").value.trim();
  if (q) params.set("q", q);
  try {
    const found = await api("GET", `/dossiers?${params}`);
    dossiers.all = chosen === "open" ? found.filter((d) => !CLOSED.includes(d.state)) : found;
    $("dossiers-message").hidden = true;
  } catch (error) {
    fail("dossiers-message", error.message);
  }
  drawAll();
}

function drawAll() {
  // Redrawn under the officer's keyboard: the focus stays on the dossier it was on.
  const focused = document.activeElement?.closest?.("#dossiers-list li")?.dataset.dossierId;
  $("dossiers-empty").hidden = dossiers.all.length > 0;
  $("dossiers-list").replaceChildren(...dossiers.all.map((d) => el("li", { class: d.late ? "late" : "", dataset: { dossierId: d.id, code: d.code, state: d.state } }, dossierRow(d))));
  if (focused) focusRow(focused);
}

function focusRow(id) {
  document.querySelector(`#dossiers-list li[data-dossier-id="${id}"] :is(button, a)`)?.focus();
}

function dossierRow(d) {
  const who = [d.ticket_label, d.citizen_name].filter(Boolean).join(" · ");
  const words = d.state === "needs_more" ? d.missing_documents : d.state === "rejected" ? d.reject_reason : "";
  return el(
    "div",
    { class: "row" },
    el("div", { class: "facts" }, ...summary(d), who ? el("span", { class: "who muted" }, who) : "", words ? el("span", { class: "words" }, words) : ""),
    el(
      "div",
      { class: "steps" },
      ...NEXT[d.state].map((s) =>
        el("button", { type: "button", class: `step ${s}`, dataset: { step: s }, "aria-label": t("dossier.step_of", { step: t(`dossier.step_${s}`), code: d.code }), onclick: () => takeStep(d, s) }, t(`dossier.step_${s}`)),
      ),
      d.late ? el("a", { class: "button apology", href: `/dossiers/${d.id}/apology`, target: "_blank", rel: "noopener" }, t("dossier.apology")) : "",
    ),
  );
}

/** A step: at once, or after asking its words (what is missing, why rejected). */
async function takeStep(d, next) {
  if (WORDS[next]) {
    dossiers.step = { dossier: d, state: next };
    $("step-title").textContent = t(`dossier.step_title_${next}`, { code: d.code });
    $("step-label").textContent = t(`dossier.words_${next}`);
    $("step-field").dataset.field = WORDS[next];
    $("step-text").value = "";
    clearFieldError($("step-text"));
    $("step-error").hidden = true;
    $("step-dialog").showModal();
    $("step-text").focus();
    return;
  }
  try {
    changed(await api("POST", `/dossiers/${d.id}/state`, { state: next }));
  } catch (error) {
    fail("dossiers-message", error.message);
  }
}

async function onStep(event) {
  event.preventDefault();
  const { dossier, state: next } = dossiers.step;
  const words = $("step-text").value.trim();
  $("step-error").hidden = true;
  if (!words) {
    showFieldErrors($("step-form"), [{ field: WORDS[next], message: t("dossier.words_needed") }]);
    return;
  }
  try {
    changed(await api("POST", `/dossiers/${dossier.id}/state`, { state: next, [WORDS[next]]: words }));
    $("step-dialog").close();
  } catch (error) {
    refuse($("step-form"), "step-error", error);
  }
}

/** A dossier's new state from the answer, at once (its event then reads the list again). */
function changed(d) {
  const at = dossiers.all.findIndex((x) => x.id === d.id);
  if (at >= 0) dossiers.all[at] = d;
  drawAll();
  focusRow(d.id);
}

/** A dossier event on the console's stream: read the lists it touches again. */
export function onDossierEvent(event) {
  const d = event.dossier;
  if (!d) return;
  if (d.ticket_id === dossiers.ticketId) readTicketDossiers();
  if (dossiers.shown) readSoon();
}
