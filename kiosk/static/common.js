// What the kiosk and the status page share: the message catalog, API calls with the device
// token, the event stream with reconnect-by-sequence, and voice clips played in sequence.
// No words live here: every text comes from messages.json.

export const LANGUAGES = ["vi", "en"];
// The server closes a stream with this code when it will not serve the token (wrong, revoked,
// or no such center): trying again at once cannot help.
export const POLICY_VIOLATION = 1008;
const REFUSED_RETRY_MS = 60_000; // then doubling, up to REFUSED_RETRY_MAX_MS
const REFUSED_RETRY_MAX_MS = 600_000;

export async function loadCatalog(base = "/kiosk/static/messages.json") {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(base, { cache: "no-cache" });
      if (response.ok) return await response.json();
    } catch (_) {
      // the server is not there yet: try again below
    }
    await delay(Math.min(5000, 500 * 2 ** attempt));
  }
}

export function translate(catalog, language, key, values = {}) {
  const text = (catalog[language] && catalog[language][key]) ?? catalog.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** Fill every [data-i18n] element's text and [data-i18n-label] element's aria-label; inside a
 * [data-fixed-lang] element, in that language whatever the page's. */
export function applyCatalog(root, catalog, language) {
  root.documentElement.lang = language;
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const fixed = el.closest("[data-fixed-lang]");
    el.textContent = translate(catalog, fixed ? fixed.dataset.fixedLang : language, el.dataset.i18n);
  }
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", translate(catalog, language, el.dataset.i18nLabel));
  }
}

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The device token: from ?token= (then remembered), else what was remembered before. */
export function deviceToken(storageKey = "motcua.kiosk.token") {
  const fromUrl = new URLSearchParams(location.search).get("token");
  try {
    if (fromUrl) localStorage.setItem(storageKey, fromUrl);
    return fromUrl || localStorage.getItem(storageKey) || "";
  } catch (_) {
    return fromUrl || "";
  }
}

export function authHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** A random key for one tap: [A-Za-z0-9_.:-], 8-128 chars (crypto.randomUUID needs https). */
export function tapKey(prefix = "kiosk") {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const random = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${prefix}-${Date.now().toString(36)}-${random}`;
}

/**
 * /ws/events with reconnects: a snapshot first, then events in sequence. Every connection
 * starts from a fresh snapshot (not ?since=): a kiosk needs the queue as it is now, not the
 * calls it missed, and a snapshot is what tells it the server is back. A gap in the sequence
 * forces a reconnect.
 */
export class EventStream {
  constructor({ centerId = null, token = "", path = "/ws/events", params = {}, onSnapshot, onEvent, onOnline }) {
    this.path = path;
    this.params = params; // more of the address, e.g. {counter_id: 3}: a counter's view, then its events
    this.centerId = centerId;
    this.token = token;
    this.onSnapshot = onSnapshot;
    this.onEvent = onEvent;
    this.onOnline = onOnline || (() => {});
    this.seq = null;
    this.failures = 0;
    this.refusals = 0; // closes with POLICY_VIOLATION in a row: each waits longer
    this.socket = null;
    this.stopped = false;
  }

  url() {
    const params = new URLSearchParams(this.params);
    if (this.centerId && !this.params.counter_id) params.set("center_id", this.centerId);
    if (this.token) params.set("token", this.token);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}${this.path}?${params}`;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.close();
  }

  /** Close and connect again: the server says anew whether it serves this token. */
  reconnect() {
    if (this.socket) this.socket.close();
  }

  connect() {
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch (_) {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.seq = null;
    };
    socket.onmessage = (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch (_) {
        return;
      }
      if (data.type === "snapshot" || data.type === "counter_view") {
        this.seq = data.seq;
        this.refusals = 0;
        if (data.center && !this.centerId) this.centerId = data.center.id;
        this.onSnapshot(data);
        this.onOnline(true);
      } else if (data.type === "event") {
        if (this.seq === null || data.seq <= this.seq) return; // before the snapshot, or applied
        if (data.seq !== this.seq + 1) {
          socket.close(); // a gap: reconnect for a fresh snapshot
          return;
        }
        this.seq = data.seq;
        this.onEvent(data);
        this.onOnline(true);
      }
    };
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onOnline(false, close.code, close.reason);
      if (!this.stopped) this.retry(close.code === POLICY_VIOLATION);
    };
  }

  retry(refused = false) {
    let wait;
    if (refused) {
      // Refused: only a new token or a restored database helps, so look again rarely.
      this.refusals += 1;
      wait = Math.min(REFUSED_RETRY_MAX_MS, REFUSED_RETRY_MS * 2 ** (this.refusals - 1));
    } else {
      this.failures += 1;
      wait = Math.min(5000, 300 * 2 ** this.failures);
    }
    setTimeout(() => this.connect(), wait);
  }
}

/** Plays voice clips one after another; a new request cuts the one playing. */
export class Voice {
  constructor(base = "/kiosk/voice") {
    this.base = base;
    this.audio = new Audio();
    this.generation = 0;
    this.played = []; // clip names that started playing, for whoever wants to know (tests, logs)
  }

  async say(language, clips) {
    const generation = ++this.generation;
    this.audio.pause();
    for (const clip of clips) {
      if (generation !== this.generation) return;
      try {
        await this.playOne(`${this.base}/${language}/${clip}.wav`);
        this.played.push(`${language}/${clip}`);
        await this.ended(generation);
      } catch (_) {
        // a missing clip or a blocked autoplay: go on with the rest, silently
      }
    }
  }

  playOne(url) {
    this.audio.src = url;
    return this.audio.play();
  }

  ended(generation) {
    return new Promise((resolve) => {
      const done = () => {
        this.audio.removeEventListener("ended", done);
        this.audio.removeEventListener("error", done);
        clearInterval(watch);
        resolve();
      };
      const watch = setInterval(() => generation !== this.generation && done(), 200);
      this.audio.addEventListener("ended", done);
      this.audio.addEventListener("error", done);
    });
  }
}

/** "A015" -> letter_a, digit_0, digit_1, digit_5 (how the ticket is printed and announced). */
export function labelClips(label) {
  const clips = [];
  for (const char of label.toLowerCase()) {
    if (char >= "0" && char <= "9") clips.push(`digit_${char}`);
    else if (char >= "a" && char <= "z") clips.push(`letter_${char}`);
  }
  return clips;
}
