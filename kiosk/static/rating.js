// What the counter's rating screen (/rate) and the ticket's and dossier's status pages share: the four faces,
// the reason chips for a citizen who was not satisfied, and sending the rating
// (POST /api/v1/ratings). Words come from messages.json: rate_level_<level>, rate_reason_<reason>.

export const LEVELS = ["very_satisfied", "satisfied", "neutral", "dissatisfied"];
export const UNSATISFIED = ["neutral", "dissatisfied"]; // the levels that ask why
export const REASONS = ["waited_too_long", "staff_attitude", "unclear_guidance", "extra_papers", "facilities"];

function element(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  el.append(...children);
  return el;
}

/** The four faces as buttons in `container`: Vietnamese words large, English below, smaller. */
export function renderFaces(container, onPick) {
  container.replaceChildren(
    ...LEVELS.map((level) => {
      const button = element(
        "button",
        { type: "button", class: `face face-${level}`, "data-level": level },
        element("img", { src: `/kiosk/static/faces/${level}.svg`, alt: "" }),
        element("span", { class: "face-vi", "data-fixed-lang": "vi", lang: "vi", "data-i18n": `rate_level_${level}` }),
        element("span", { class: "face-en", "data-fixed-lang": "en", lang: "en", "data-i18n": `rate_level_${level}` }),
      );
      button.addEventListener("click", () => onPick(level));
      return button;
    }),
  );
}

/** The reason chips in `container`: toggle buttons (aria-pressed), each said in both languages. */
export function renderReasons(container, onChange = () => {}) {
  container.replaceChildren(
    ...REASONS.map((reason) => {
      const chip = element(
        "button",
        { type: "button", class: "chip", "data-reason": reason, "aria-pressed": "false" },
        element("span", { class: "chip-vi", "data-fixed-lang": "vi", lang: "vi", "data-i18n": `rate_reason_${reason}` }),
        element("span", { class: "chip-en", "data-fixed-lang": "en", lang: "en", "data-i18n": `rate_reason_${reason}` }),
      );
      chip.addEventListener("click", () => {
        chip.setAttribute("aria-pressed", chip.getAttribute("aria-pressed") === "true" ? "false" : "true");
        onChange();
      });
      return chip;
    }),
  );
}

export function chosenReasons(container) {
  return [...container.querySelectorAll('.chip[aria-pressed="true"]')].map((chip) => chip.dataset.reason);
}

/** POST the rating; {ok, status, body}. A network failure is {ok: false, status: 0}. */
export async function sendRating(rating, headers = {}) {
  try {
    const response = await fetch("/api/v1/ratings", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(rating),
    });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      // no JSON body: the status says enough
    }
    return { ok: response.ok, status: response.status, body };
  } catch (_) {
    return { ok: false, status: 0, body: null };
  }
}

/**
 * The phone pages' rating (the ticket's and the dossier's status pages): a satisfied face sends
 * at one tap; one that asks why waits for the reasons and "send". `state` holds `level`,
 * `sending` and `rateFailed`; `send(level, reasons)` posts the rating (sendRating);
 * `rated(result)` takes the stored rating, or on 409 learns which earlier one stands.
 * Returns {pick, rate}: the faces' and the send button's handlers.
 */
export function phoneRating(state, chips, render, send, rated) {
  async function rate() {
    if (state.sending || !state.level) return;
    state.sending = true;
    render();
    const reasons = UNSATISFIED.includes(state.level) ? chosenReasons(chips) : [];
    const result = await send(state.level, reasons);
    state.sending = false;
    state.rateFailed = !(result.ok || result.status === 409);
    if (!state.rateFailed) rated(result);
    render();
  }

  function pick(level) {
    if (state.sending) return;
    state.level = level;
    if (UNSATISFIED.includes(level)) render();
    else rate();
  }

  return { pick, rate };
}
