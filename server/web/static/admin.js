/**
 * The center's admin: profile (commune or ward from the official list), categories,
 * procedures, counters and their categories in order, staff, devices, notices. Each section
 * is a table of what exists and a form that adds one or changes the one picked.
 */
import { api, el, loadCatalog, setLanguage, signIn, signOut, state, t, whoAmI } from "/web/static/common.js";
import {
  checkField, clearFieldError, collator, field, linksField, matches, numberField, pictogramField, pictogramImage,
  pictogramName, selectField, showFieldErrors, textField,
} from "/web/static/admin_fields.js";

const $ = (id) => document.getElementById(id);
const view = { me: null, centerId: null, data: null, tab: "center", editing: null, provinces: null, wards: new Map(), search: "" };
// "Đã lưu." says the last change landed; it goes on the next edit, or after this long.
const SAVED_SHOWN_MS = 5000;
// A refusal about a field the server names by its code rather than a 422.
const CONFLICT_FIELDS = {
  category_prefix_taken: "prefix", counter_number_taken: "number", user_exists: "username", center_code_taken: "code", ward_outside_province: "ward_code",
};

// ---- start, sign-in ----------------------------------------------------------------------------

async function start() {
  await loadCatalog();
  $("language").addEventListener("click", () => {
    setLanguage(state.language === "vi" ? "en" : "vi");
    if (view.data) render();
  });
  $("signin").addEventListener("submit", onSignIn);
  $("sign-out").addEventListener("click", async () => {
    await signOut().catch(() => {});
    location.reload();
  });
  for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => show(tab.dataset.tab));
  $("panel").addEventListener("input", (event) => {
    if (event.target.id !== "table-search" && event.target.id !== "center-ward-search") $("status").hidden = true; // an edit: "Đã lưu." is old news
    clearFieldError(event.target);
  });
  const me = await whoAmI();
  if (me) await enter(me);
  else $("signin").hidden = false;
}

async function onSignIn(event) {
  event.preventDefault();
  $("signin-error").hidden = true;
  try {
    const me = await signIn($("username").value.trim(), $("password").value);
    $("password").value = "";
    await enter(me);
  } catch (error) {
    $("signin-error").textContent = error.message;
    $("signin-error").hidden = false;
  }
}

async function enter(me) {
  if (!me.permissions.includes("center.admin")) {
    $("signin").hidden = false;
    $("signin-error").textContent = t("admin.not_admin");
    $("signin-error").hidden = false;
    return;
  }
  view.me = me;
  const centers = await api("GET", "/centers");
  view.centerId = me.center_id || Number(new URLSearchParams(location.search).get("center")) || centers[0].id;
  if (me.permissions.includes("center.create")) { // an account above the centers: pick one, or make one
    $("center-pick-label").hidden = false;
    $("new-center-tab").hidden = false;
    fillCenterPick(centers);
    $("center-pick").addEventListener("change", async () => {
      view.centerId = Number($("center-pick").value);
      await reload();
      show("center");
    });
  }
  $("signin").hidden = true;
  $("admin").hidden = false;
  $("sign-out").hidden = false;
  $("who").textContent = me.username;
  await reload();
  show("center");
}

function fillCenterPick(centers) {
  $("center-pick").replaceChildren(...centers.map((c) => el("option", { value: c.id, selected: c.id === view.centerId }, c.name_vi)));
}

async function reload() {
  view.data = await api("GET", `/admin/centers/${view.centerId}`);
}

function show(tab) {
  view.tab = tab;
  view.editing = null;
  view.search = "";
  $("error").hidden = true;
  $("status").hidden = true;
  render();
}

function flash(message, isError = false) {
  const box = $(isError ? "error" : "status");
  $(isError ? "status" : "error").hidden = true;
  box.textContent = message;
  box.hidden = false;
  clearTimeout(view.savedTimer);
  if (!isError) view.savedTimer = setTimeout(() => { box.hidden = true; }, SAVED_SHOWN_MS);
}

/**
 * Run a change, reload everything, redraw. A refusal stays on screen in the server's words,
 * and each field it names (a 422's errors, or a taken prefix or number) says why under it.
 */
async function change(run, { done = t("common.saved"), form = null } = {}) {
  $("error").hidden = true;
  try {
    const result = await run();
    await reload();
    view.editing = null;
    render();
    flash(done);
    return result;
  } catch (error) {
    flash(error.message, true);
    const body = error.body || {};
    const errors = body.errors || (CONFLICT_FIELDS[body.code] ? [{ field: CONFLICT_FIELDS[body.code], message: body.message }] : []);
    if (form) showFieldErrors(form, errors);
    return null;
  }
}

/** "Ngừng sử dụng" / "Dùng lại": retire a category, counter or procedure, or bring it back. */
function retireButton(row, path, name) {
  return el("button", {
    type: "button",
    class: row.active ? "retire" : "restore",
    onclick: () => change(() => api("PUT", `${path}/${row.id}/active`, { active: !row.active }),
      { done: t(row.active ? "admin.retired" : "admin.restored", { name }) }),
  }, t(row.active ? "admin.retire" : "admin.restore"));
}

// ---- drawing ------------------------------------------------------------------------------------

function render() {
  const center = view.data.center;
  $("center-name").textContent = `${t("admin.title")} · ${state.language === "en" ? center.name_en : center.name_vi}`;
  for (const tab of document.querySelectorAll("[data-tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === view.tab));
  const panel = $("panel");
  panel.replaceChildren();
  if (view.tab === "center") renderCenter(panel);
  else if (view.tab === "new-center") renderNewCenter(panel);
  else renderResource(panel, RESOURCES[view.tab]);
}

function categoryLabel(id) {
  const c = view.data.categories.find((x) => x.id === id);
  return c ? `${c.prefix} · ${state.language === "en" ? c.name_en : c.name_vi}` : `#${id}`;
}

// ---- the center's profile -----------------------------------------------------------------------

const byName = (a, b) => collator.compare(a.name, b.name);

/** A new center (POST /admin/centers): its code, names and ward; a province account's own province only. */
async function renderNewCenter(panel) {
  view.provinces = view.provinces || (await api("GET", "/admin/divisions"));
  const mine = view.me.province_code;
  const form = el("form", { class: "editor", id: "new-center-form", novalidate: true });
  const province = el("select", { id: "new-center-province" }, ...(mine ? [] : [el("option", { value: "" }, "—")]),
    ...[...view.provinces].filter((p) => !mine || p.code === mine).sort(byName).map((p) => el("option", { value: p.code }, p.name)));
  const ward = el("select", { id: "new-center-ward", name: "ward_code" });
  async function fillWards() {
    const code = Number(province.value);
    ward.replaceChildren(el("option", { value: "" }, "—"));
    if (!code) return;
    if (!view.wards.has(code)) view.wards.set(code, await api("GET", `/admin/divisions/${code}`));
    ward.append(...[...view.wards.get(code)].sort(byName).map((w) => el("option", { value: w.code }, w.name)));
  }
  province.addEventListener("change", fillWards);
  await fillWards();
  form.append(
    el("h3", {}, t("admin.new_center_title")),
    el("p", { class: "muted" }, t("admin.new_center_note")),
    textField("code", "admin.center_code", "", { autocomplete: "off" }),
    textField("name_vi", "admin.name_vi", ""),
    textField("name_en", "admin.name_en", ""),
    field("province", "admin.province", province),
    field("ward_code", "admin.ward", ward),
    el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("admin.create_center"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = form.elements;
    const made = await change(() => api("POST", "/admin/centers", {
      code: f.code.value.trim(), name_vi: f.name_vi.value.trim(), name_en: f.name_en.value.trim(),
      ward_code: f.ward_code.value ? Number(f.ward_code.value) : null,
    }), { form });
    if (!made) return;
    view.centerId = made.id; // on to setting it up
    fillCenterPick(await api("GET", "/centers"));
    await reload();
    show("center");
  });
  panel.append(form);
}

async function renderCenter(panel) {
  const c = view.data.center;
  view.provinces = view.provinces || (await api("GET", "/admin/divisions"));
  const form = el("form", { class: "editor", id: "center-form", novalidate: true });
  const province = el("select", { id: "center-province" }, el("option", { value: "" }, "—"),
    ...[...view.provinces].sort(byName).map((p) => el("option", { value: p.code, selected: p.code === c.province_code }, p.name)));
  const ward = el("select", { id: "center-ward", name: "ward_code" });
  const search = el("input", { id: "center-ward-search", type: "search", autocomplete: "off", placeholder: t("admin.ward_search_hint") });
  /** The province's communes and wards in Vietnamese order, those matching the search. */
  async function fillWards() {
    const code = Number(province.value);
    const chosen = Number(ward.value) || (code === c.province_code ? c.ward_code : null);
    ward.replaceChildren(el("option", { value: "" }, "—"));
    if (!code) return;
    if (!view.wards.has(code)) view.wards.set(code, await api("GET", `/admin/divisions/${code}`));
    const all = [...view.wards.get(code)].sort(byName);
    const found = all.filter((w) => matches(w.name, search.value));
    // The ward chosen stays a choice whatever the search, so a search never unsets it; one
    // match alone is taken as the choice.
    const shown = all.filter((w) => found.includes(w) || w.code === chosen);
    const pick = found.length === 1 && search.value.trim() ? found[0].code : chosen;
    ward.append(...shown.map((w) => el("option", { value: w.code, selected: w.code === pick }, w.name)));
  }
  province.addEventListener("change", fillWards);
  search.addEventListener("input", fillWards);
  await fillWards();
  form.append(
    el("h3", {}, t("admin.center_profile")),
    textField("name_vi", "admin.name_vi", c.name_vi),
    textField("name_en", "admin.name_en", c.name_en),
    field("province", "admin.province", province),
    el("div", { class: "row" },
      field("ward_search", "admin.ward_search", search),
      field("ward_code", "admin.ward", ward)),
    textField("address", "admin.address", c.address),
    textField("hotline", "admin.hotline", c.hotline),
    el("div", { class: "row" },
      selectField("priority_rule", "admin.priority_rule", ["ratio", "strict", "ageing"].map((r) => el("option", { value: r, selected: r === c.priority_rule }, t(`admin.rule_${r}`)))),
      numberField("priority_ratio", "admin.priority_ratio", c.priority_ratio)),
    el("div", { class: "row" },
      numberField("ageing_minutes", "admin.ageing_minutes", c.ageing_minutes),
      numberField("pause_alert_minutes", "admin.pause_alert_minutes", c.pause_alert_minutes ?? 30, { min: 1, max: 480 })),
    numberField("wait_target_minutes", "admin.wait_target_minutes", c.wait_target_minutes ?? 15, { min: 1, max: 240 }),
    checkField("observe_public_holidays", "admin.observe_public_holidays", c.observe_public_holidays ?? true),
    // Dossiers: their return dates and how long they keep personal data.
    textField("afternoon_cutoff", "admin.afternoon_cutoff", c.afternoon_cutoff || "", { placeholder: "16:30", inputmode: "numeric" }),
    textField("days_off", "admin.days_off", datesText(c.days_off), { placeholder: "02/01/2027, 30/12/2026" }),
    textField("working_saturdays", "admin.working_saturdays", datesText(c.working_saturdays), { placeholder: "22/08/2026" }),
    numberField("personal_data_retention_days", "admin.retention_days", c.personal_data_retention_days, { min: 0, max: 3650 }),
    el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("common.save"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = form.elements;
    change(() => api("PUT", `/admin/centers/${view.centerId}`, {
      name_vi: f.name_vi.value.trim(), name_en: f.name_en.value.trim(), address: f.address.value.trim(), hotline: f.hotline.value.trim(),
      ward_code: f.ward_code.value ? Number(f.ward_code.value) : null, priority_rule: f.priority_rule.value,
      priority_ratio: Number(f.priority_ratio.value), ageing_minutes: Number(f.ageing_minutes.value),
      observe_public_holidays: f.observe_public_holidays.checked, pause_alert_minutes: Number(f.pause_alert_minutes.value),
      wait_target_minutes: Number(f.wait_target_minutes.value),
      personal_data_retention_days: Number(f.personal_data_retention_days.value),
      afternoon_cutoff: f.afternoon_cutoff.value.trim(),
      days_off: parseDates(f.days_off.value), working_saturdays: parseDates(f.working_saturdays.value),
    }), { form });
  });
  const where = c.ward_name ? `${c.ward_name}, ${c.province_name}` : t("admin.no_ward");
  panel.append(
    el("div", {}, el("h2", {}, state.language === "en" ? c.name_en : c.name_vi), el("p", {}, where), el("p", { class: "muted" }, c.address || ""),
      el("p", { class: "muted" }, t("admin.holidays_note"))),
    form,
  );
}

// Dates as the admin types them (dd/mm/yyyy, comma-separated) and as the API takes them (ISO):
// a date that does not parse is sent as typed, and the server's 422 names the field.
const datesText = (days) => (days || []).map((d) => d.split("-").reverse().join("/")).join(", ");
function parseDates(text) {
  return text.split(/[,;\s]+/).filter(Boolean).map((d) => {
    const m = d.match(/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/);
    return m ? `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}` : d;
  });
}

// ---- a resource: table + editor -----------------------------------------------------------------

const yes = (v) => t(v ? "common.yes" : "common.no");
const inUse = (active) => t(active ? "admin.in_use_yes" : "admin.in_use_no");
const categoryOrder = (id) => view.data.categories.findIndex((c) => c.id === id);
const sessionsText = (sessions) => sessions.map(([a, b]) => `${a}-${b}`).join(", ");
function parseSessions(text) {
  return text.split(",").map((s) => s.trim()).filter(Boolean).map((s) => s.split("-").map((x) => x.trim()));
}

const RESOURCES = {
  categories: {
    title: "admin.tab_categories",
    rows: () => view.data.categories,
    off: (c) => !c.active,
    columns: [
      ["admin.prefix", (c) => el("span", { class: "chip", style: `background:${c.color}` }, c.prefix)],
      ["admin.pictogram", (c) => el("span", { class: "picto-cell" }, pictogramImage(c.pictogram, c.color), pictogramName(c.pictogram))],
      ["admin.name", (c) => `${c.name_vi} / ${c.name_en}`],
      ["admin.sessions", (c) => sessionsText(c.sessions)],
      ["admin.daily_cap", (c) => c.daily_cap ?? "—"],
      ["admin.service_minutes", (c) => c.service_minutes],
      ["admin.in_use", (c) => inUse(c.active)],
    ],
    fields: (c = {}) => {
      const color = el("input", { type: "color", value: c.color || "#1565c0" });
      return [
        el("div", { class: "row" },
          textField("prefix", "admin.prefix", c.prefix, { maxlength: 2 }),
          field("color", "admin.color", color)),
        textField("name_vi", "admin.name_vi", c.name_vi),
        textField("name_en", "admin.name_en", c.name_en),
        pictogramField(view.data.pictograms, c.pictogram, color),
        textField("sessions", "admin.sessions_hint", c.sessions ? sessionsText(c.sessions) : "07:30-11:30, 13:30-17:00"),
        el("div", { class: "row" },
          numberField("daily_cap", "admin.daily_cap", c.daily_cap, { min: 1 }),
          numberField("service_minutes", "admin.service_minutes", c.service_minutes ?? 10, { min: 1 })),
        el("div", { class: "row" },
          numberField("position", "admin.position", c.position ?? view.data.categories.length, { min: 0 }),
          numberField("wait_alert_minutes", "admin.wait_alert_minutes", c.wait_alert_minutes, { min: 1, max: 480 })),
      ];
    },
    body: (f, _, c = {}) => ({
      prefix: f.prefix.value.trim().toUpperCase(), name_vi: f.name_vi.value.trim(), name_en: f.name_en.value.trim(),
      pictogram: f.pictogram.value, color: f.color.value, sessions: parseSessions(f.sessions.value),
      daily_cap: f.daily_cap.value ? Number(f.daily_cap.value) : null, service_minutes: Number(f.service_minutes.value),
      position: Number(f.position.value || 0), active: c.active ?? true,
      wait_alert_minutes: f.wait_alert_minutes.value ? Number(f.wait_alert_minutes.value) : null,
    }),
    create: (body) => api("POST", `/admin/centers/${view.centerId}/categories`, body),
    update: (c, body) => api("PUT", `/admin/categories/${c.id}`, body),
    actions: (c) => [retireButton(c, "/admin/categories", `${c.prefix} · ${c.name_vi}`)],
  },
  procedures: {
    title: "admin.tab_procedures",
    // By category (in the kiosk's order), then by name in Vietnamese order.
    rows: () => [...view.data.procedures].sort((a, b) => categoryOrder(a.category_id) - categoryOrder(b.category_id) || collator.compare(a.name_vi, b.name_vi)),
    off: (p) => !p.active,
    columns: [
      ["admin.category", (p) => categoryLabel(p.category_id)],
      ["admin.code", (p) => p.code],
      ["admin.name", (p) => `${p.name_vi}${p.name_en ? ` / ${p.name_en}` : ""}`],
      ["admin.processing_days", (p) => p.processing_days],
      ["admin.in_use", (p) => inUse(p.active)],
    ],
    fields: (p = {}) => [
      selectField("category_id", "admin.category", view.data.categories.map((c) => el("option", { value: c.id, selected: c.id === p.category_id }, categoryLabel(c.id)))),
      textField("code", "admin.code", p.code),
      textField("name_vi", "admin.name_vi", p.name_vi),
      textField("name_en", "admin.name_en", p.name_en),
      numberField("processing_days", "admin.processing_days", p.processing_days ?? 0, { min: 0 }),
    ],
    body: (f) => ({ category_id: Number(f.category_id.value), code: f.code.value.trim(), name_vi: f.name_vi.value.trim(), name_en: f.name_en.value.trim(), processing_days: Number(f.processing_days.value || 0) }),
    create: (body) => api("POST", `/admin/centers/${view.centerId}/procedures`, body),
    update: (p, body) => api("PUT", `/admin/procedures/${p.id}`, body),
    remove: (p) => api("DELETE", `/admin/procedures/${p.id}`),
    actions: (p) => [retireButton(p, "/admin/procedures", p.name_vi)],
  },
  counters: {
    title: "admin.tab_counters",
    rows: () => view.data.counters,
    off: (c) => !c.active,
    columns: [
      ["admin.number", (c) => c.number],
      ["admin.name", (c) => `${c.name_vi} / ${c.name_en}`],
      ["admin.counter_categories", (c) => [...c.categories].sort((a, b) => a.position - b.position).map((l) => categoryLabel(l.category_id) + (l.weight > 1 ? ` ×${l.weight}` : "")).join(", ")],
      ["admin.state", (c) => t(`admin.counter_state_${c.state}`)],
      ["admin.in_use", (c) => inUse(c.active)],
    ],
    fields: (c = {}) => [
      el("div", { class: "row" },
        numberField("number", "admin.number", c.number ?? (Math.max(0, ...view.data.counters.map((x) => x.number)) + 1), { min: 1 }),
        textField("name_vi", "admin.name_vi", c.name_vi)),
      textField("name_en", "admin.name_en", c.name_en),
      linksField([...(c.categories || [])].sort((a, b) => a.position - b.position).map((l) => ({ category_id: l.category_id, weight: l.weight })),
        view.data.categories.filter((x) => x.active), categoryLabel),
    ],
    body: (f, form) => ({ number: Number(f.number.value), name_vi: f.name_vi.value.trim(), name_en: f.name_en.value.trim(), categories: form.links }),
    create: (body) => api("POST", `/admin/centers/${view.centerId}/counters`, body),
    update: (c, body) => api("PUT", `/admin/counters/${c.id}`, body),
    actions: (c) => [retireButton(c, "/admin/counters", t("admin.counter_n", { number: c.number }))],
  },
  users: {
    title: "admin.tab_users",
    rows: () => view.data.users,
    off: (u) => !u.active,
    columns: [
      ["common.username", (u) => u.username],
      ["admin.full_name", (u) => u.full_name],
      ["admin.role", (u) => t(`admin.role_${u.role}`)],
      ["admin.active", (u) => yes(u.active)],
    ],
    fields: (u) => u
      ? [
          el("p", {}, el("strong", {}, u.username)),
          textField("full_name", "admin.full_name", u.full_name),
          roleField(u.role),
          checkField("active", "admin.active", u.active),
          field("password", "admin.new_password", el("input", { type: "password", autocomplete: "new-password" })),
        ]
      : [
          textField("username", "common.username", "", { autocomplete: "off" }),
          textField("full_name", "admin.full_name", ""),
          roleField("staff"),
          field("password", "admin.password_min", el("input", { type: "password", autocomplete: "new-password" })),
        ],
    body: (f) => ({ username: f.username?.value.trim(), full_name: f.full_name.value.trim(), role: f.role.value, active: f.active?.checked, password: f.password.value }),
    create: (b) => api("POST", `/admin/centers/${view.centerId}/users`, { username: b.username, full_name: b.full_name, role: b.role, password: b.password }),
    update: async (u, b) => {
      if (b.password) await api("POST", `/admin/users/${u.id}/password`, { password: b.password });
      return api("PUT", `/admin/users/${u.id}`, { full_name: b.full_name, role: b.role, active: b.active });
    },
  },
  devices: {
    title: "admin.tab_devices",
    rows: () => [...view.data.devices].sort((a, b) => b.active - a.active || collator.compare(a.name, b.name)),
    off: (d) => !d.active,
    columns: [
      ["admin.device_name", (d) => d.name],
      ["admin.device_kind", (d) => t(`admin.kind_${d.kind}`)],
      ["admin.active", (d) => yes(d.active)],
      ["admin.device_connection", connection],
    ],
    top: displaySound,
    fields: () => [
      selectField("kind", "admin.device_kind", ["kiosk", "display", "print_agent", "rating"].map((k) => el("option", { value: k }, t(`admin.kind_${k}`)))),
      textField("name", "admin.device_name", "", { maxlength: 64, placeholder: t("admin.device_name_hint") }),
    ],
    body: (f) => ({ kind: f.kind.value, name: f.name.value.trim() }),
    create: (body) => api("POST", `/admin/centers/${view.centerId}/devices`, body),
    created: (device) => {
      // The token is shown this once; only its hash is kept.
      const box = el("div", { class: "editor", id: "device-token" },
        el("h3", {}, t("admin.token_once", { name: device.name })), el("p", { class: "token" }, device.token));
      $("panel").append(box);
    },
    actions: (d) => (d.active ? [el("button", { type: "button", onclick: () => change(() => api("POST", `/admin/devices/${d.id}/revoke`)) }, t("admin.revoke"))] : []),
    noEdit: true,
  },
  notices: {
    title: "admin.tab_notices",
    rows: () => view.data.notices,
    off: (n) => !n.active,
    columns: [
      ["admin.text_vi", (n) => n.text_vi],
      ["admin.text_en", (n) => n.text_en],
      ["admin.active", (n) => yes(n.active)],
    ],
    fields: (n = {}) => [
      field("text_vi", "admin.text_vi", el("textarea", { maxlength: 500, rows: 2 }, n.text_vi || "")),
      field("text_en", "admin.text_en", el("textarea", { maxlength: 500, rows: 2 }, n.text_en || "")),
      numberField("position", "admin.position", n.position ?? 0, { min: 0 }),
      checkField("active", "admin.active", n.active ?? true),
    ],
    body: (f) => ({ text_vi: f.text_vi.value.trim(), text_en: f.text_en.value.trim(), position: Number(f.position.value || 0), active: f.active.checked }),
    create: (body) => api("POST", `/admin/centers/${view.centerId}/notices`, body),
    update: (n, body) => api("PUT", `/admin/notices/${n.id}`, body),
    remove: (n) => api("DELETE", `/admin/notices/${n.id}`),
  },
};

/** Connected now (how many screens), or when it was last seen. */
function connection(device) {
  if (device.connections > 0) return t("admin.connected", { n: device.connections });
  if (!device.last_seen_at) return t("admin.never_seen");
  const when = new Date(device.last_seen_at).toLocaleString("vi-VN", {
    day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh",
  });
  return t("admin.last_seen", { when });
}

/** The wall displays' sound and how they read ticket numbers, changed while they run (they get it at once). */
function displaySound() {
  const c = view.data.center;
  const form = el("form", { class: "editor", id: "sound-form", novalidate: true },
    el("h3", {}, t("admin.display_sound")),
    el("div", { class: "row" },
      checkField("muted", "admin.display_muted", c.display_muted),
      numberField("volume", "admin.display_volume", c.display_volume, { min: 0, max: 100, step: 10 }),
      checkField("ticket_digits", "admin.display_ticket_digits", c.display_ticket_digits)),
    el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("admin.display_sound_apply"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = form.elements;
    const body = { muted: f.muted.checked, volume: Number(f.volume.value), ticket_digits: f.ticket_digits.checked };
    change(() => api("PUT", `/admin/centers/${view.centerId}/display-sound`, body), { form });
  });
  return form;
}

function roleField(role) {
  return selectField("role", "admin.role", ["staff", "leader", "admin"].map((r) => el("option", { value: r, selected: r === role }, t(`admin.role_${r}`))));
}

function renderResource(panel, resource) {
  const rows = resource.rows();
  const body = el("tbody", {}, ...rows.map((row) => el("tr", { class: resource.off && resource.off(row) ? "off" : "", dataset: { id: row.id } },
    ...resource.columns.map(([, cell]) => el("td", {}, cell(row))),
    el("td", {},
      resource.noEdit ? null : el("button", { type: "button", onclick: () => { view.editing = row; render(); } }, t("common.edit")),
      resource.remove ? el("button", { type: "button", onclick: () => change(() => resource.remove(row)) }, t("common.delete")) : null,
      ...(resource.actions ? resource.actions(row) : [])),
  )));
  const table = el("table", {}, el("thead", {}, el("tr", {}, ...resource.columns.map(([key]) => el("th", {}, t(key))), el("th", {}, ""))), body);
  // A search over the rows' text, with or without diacritics ("dat dai" finds "Đất đai").
  const search = el("input", { id: "table-search", type: "search", autocomplete: "off", value: view.search, placeholder: t("admin.search_hint") });
  const none = el("p", { class: "muted", id: "table-none", hidden: true }, t("admin.search_none"));
  function filter() {
    view.search = search.value;
    let shown = 0;
    for (const tr of body.rows) {
      tr.hidden = !matches(tr.textContent, search.value);
      shown += tr.hidden ? 0 : 1;
    }
    none.hidden = shown > 0 || !rows.length;
  }
  search.addEventListener("input", filter);
  filter();
  const editing = view.editing;
  const fields = resource.fields(editing || undefined);
  const form = el("form", { class: "editor", id: "editor", novalidate: true },
    el("h3", {}, editing ? t("common.edit") : t("common.add")),
    ...fields,
    el("div", { class: "buttons" },
      editing ? el("button", { type: "button", onclick: () => { view.editing = null; render(); } }, t("common.cancel")) : null,
      el("button", { type: "submit", class: "primary" }, editing ? t("common.save") : t("common.add"))),
  );
  const links = fields.find((f) => f.links);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const note of form.querySelectorAll(".field-error")) clearFieldError(note);
    const sent = resource.body(form.elements, { links: links ? links.links : undefined }, editing || undefined);
    const result = await change(() => (editing ? resource.update(editing, sent) : resource.create(sent)), { form });
    if (result && resource.created && !editing) resource.created(result);
  });
  panel.append(
    el("div", {}, el("h2", {}, t(resource.title)), resource.top ? resource.top() : null,
      el("div", { class: "field search" }, el("label", { for: "table-search" }, t("admin.search")), search), table, none),
    form);
}

start();
