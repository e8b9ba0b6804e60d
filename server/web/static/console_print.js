/**
 * The console's printing panel: today's unprinted tickets with their reason and reprint
 * buttons, and the history of printer faults (one line per fault, not one per printer).
 * Its data comes from GET /api/v1/centers/{id}/print-jobs?unprinted=true, then from the
 * "print.updated" events console.js hands to `onPrintEvent`.
 */
import { api, el, said, t } from "/web/static/common.js";

const $ = (id) => document.getElementById(id);
const DELIVERED = new Set(["printed", "sent", "replaced"]);
const FAULTS = new Set(["retrying", "expired", "failed"]);
const HISTORY = 50;
const panel = { centerId: null, jobs: new Map(), history: [], pending: new Set() };

/** Where a job prints, as staff call it: the kiosk's name, or the entrance desk. */
function placeName(printer) {
  return printer === "desk" ? t("console.print_desk") : printer;
}

function time(at) {
  return new Date(at).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
}

/** One row per ticket, and one per dossier's appointment slip (printed from the dossier). */
function jobKey(job) {
  return job.kind === "slip" ? `slip:${job.document}` : `ticket:${job.ticket_id}`;
}

/** Show the panel for a center and load its unprinted tickets. */
export async function mountPrintPanel(centerId) {
  panel.centerId = centerId;
  $("print-panel").hidden = false;
  await refresh();
}

async function refresh() {
  try {
    const jobs = await api("GET", `/centers/${panel.centerId}/print-jobs?unprinted=true`);
    panel.jobs = new Map(jobs.map((job) => [jobKey(job), job]));
    for (const job of jobs) if (FAULTS.has(job.state) && job.error) remember(job, job.updated_at);
  } catch (_) {
    // The events keep the panel current; the next mount reads the list again.
  }
  render();
}

function remember(job, at) {
  const key = `${job.id}:${job.state}:${job.attempts}`;
  if (panel.history.some((entry) => entry.key === key)) return;
  panel.history.unshift({ key, at: at || new Date().toISOString(), job });
  panel.history.length = Math.min(panel.history.length, HISTORY);
}

/** A "print.updated" event's job (and the event's time). */
export function onPrintEvent(job, at) {
  if (!job) return;
  if (FAULTS.has(job.state) && job.error) remember(job, at);
  if (DELIVERED.has(job.state)) {
    const shown = panel.jobs.get(jobKey(job));
    if (!shown || shown.id === job.id || job.state !== "replaced") panel.jobs.delete(jobKey(job));
  } else {
    panel.jobs.set(jobKey(job), job);
  }
  render();
}

async function reprint(job, place) {
  const key = `${job.ticket_id}:${place}`;
  if (panel.pending.has(key)) return; // a click while the request runs: the server joins it anyway
  panel.pending.add(key);
  $("print-message").hidden = true;
  try {
    onPrintEvent(await api("POST", `/tickets/${job.ticket_id}/print`, { place }));
  } catch (error) {
    $("print-message").textContent = said(error.body && error.body.message) || t("console.print_reprint_failed");
    $("print-message").hidden = false;
  } finally {
    panel.pending.delete(key);
  }
}

function render() {
  if (!panel.centerId) return;
  const jobs = [...panel.jobs.values()].sort((a, b) => b.ticket_id - a.ticket_id);
  $("print-none").hidden = jobs.length > 0;
  $("print-unprinted").replaceChildren(
    ...jobs.map((job) => {
      const slip = job.kind === "slip";
      // A slip is printed again from its dossier; these buttons reprint tickets.
      const buttons = slip ? [] : [el("button", { type: "button", class: "reprint", onclick: () => reprint(job, job.printer) }, t("console.print_reprint"))];
      if (!slip && job.printer !== "desk") {
        buttons.push(el("button", { type: "button", class: "reprint-desk", onclick: () => reprint(job, "desk") }, t("console.print_at_desk")));
      }
      return el(
        "li",
        { "data-ticket-id": String(job.ticket_id), "data-state": job.state },
        el("strong", {}, job.label),
        slip ? ` · ${t("console.print_slip")} ${job.document}` : "",
        ` · ${placeName(job.printer)} · ${t(`console.print_state_${job.state}`)}`,
        job.error ? el("span", { class: "reason" }, ` — ${said(job.error)}`) : "",
        el("span", { class: "actions" }, ...buttons),
      );
    }),
  );
  $("print-history").replaceChildren(
    ...panel.history.map((entry) =>
      el("li", {}, `${time(entry.at)} · ${placeName(entry.job.printer)} (${entry.job.label}): ${said(entry.job.error)}`),
    ),
  );
}

/** Redraw in the language just chosen. */
export function renderPrintPanel() {
  render();
}
