/**
 * The console's "call a number" dialog: type (or pick from the waiting list) a ticket's
 * number, see what it is (category, priority, note, state), then call it at this counter out
 * of the call order (a waiting ticket, or today's no-show whose citizen came back) or cancel
 * it (a waiting ticket). The server decides (POST /tickets/{id}/call, /cancel); console.js
 * hands in how to act and what to show.
 */
import { api, el, t } from "/web/static/common.js";

const $ = (id) => document.getElementById(id);
const STATE_KEYS = {
  waiting: "console.state_waiting",
  called: "console.state_called",
  serving: "console.state_serving",
  done: "console.state_done",
  no_show: "console.state_no_show",
  cancelled: "console.state_cancelled",
  transferred: "console.state_transferred",
};
const dialog = { ticket: null, host: null };

/**
 * Wire the dialog once. `host`: {centerId(), counterId(), canCall(), describe(ticket) -> nodes,
 * act(change, doneKey) -> Promise<boolean>}.
 */
export function wireNumberDialog(host) {
  dialog.host = host;
  $("number-form").addEventListener("submit", (event) => {
    event.preventDefault();
    find();
  });
  $("number-close").addEventListener("click", () => $("number-dialog").close());
  $("number-call").addEventListener("click", () => run("call"));
  $("number-cancel-ticket").addEventListener("click", () => run("cancel"));
}

/** Open the dialog, with a ticket already known (a row of the waiting list) or empty. */
export function openNumberDialog(ticket = null) {
  $("number-label").value = ticket ? ticket.label : "";
  show(ticket);
  $("number-error").hidden = true;
  $("number-dialog").showModal();
  $("number-label").focus();
}

function time(at) {
  return new Date(at).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
}

function show(ticket) {
  dialog.ticket = ticket;
  const found = $("number-found");
  found.hidden = !ticket;
  if (ticket) {
    const state = t(STATE_KEYS[ticket.state] || ticket.state, { time: ticket.no_show_at ? time(ticket.no_show_at) : "" });
    found.replaceChildren(
      el("strong", { class: "found-label" }, ticket.label),
      " ",
      ...dialog.host.describe(ticket),
      el("div", { class: "found-state", dataset: { state: ticket.state } }, state),
    );
  }
  const callable = ticket && ["waiting", "no_show"].includes(ticket.state);
  $("number-call").disabled = !callable || !dialog.host.canCall();
  $("number-cancel-ticket").disabled = !ticket || ticket.state !== "waiting";
}

function fail(message) {
  $("number-error").textContent = message;
  $("number-error").hidden = false;
}

async function find() {
  $("number-error").hidden = true;
  const label = $("number-label").value.trim();
  if (!label) {
    show(null);
    return fail(t("console.number_empty"));
  }
  try {
    const query = new URLSearchParams({ label });
    show(await api("GET", `/centers/${dialog.host.centerId()}/tickets/by-label?${query}`));
  } catch (error) {
    show(null);
    fail(error.message);
  }
}

async function run(action) {
  const ticket = dialog.ticket;
  if (!ticket) return;
  $("number-error").hidden = true;
  const change =
    action === "call"
      ? () => api("POST", `/tickets/${ticket.id}/call`, { counter_id: dialog.host.counterId() })
      : () => api("POST", `/tickets/${ticket.id}/cancel`);
  const error = await dialog.host.act(change, action === "call" ? "console.called_number" : "console.cancelled");
  if (error) fail(error);
  else $("number-dialog").close();
}
