/**
 * The center's admin: profile (commune or ward from the official list), categories,
 * procedures, counters and their categories in order, staff, devices, notices. Each section
 * is a table of what exists and a form that adds one or changes the one picked.
 */
import { api, el, loadCatalog, setLanguage, signIn, signOut, state, t, whoAmI } from "/web/static/common.js";

const $ = (id) => document.getElementById(id);
const view = { me: null, centerId: null, data: null, tab: "center", editing: null, provinces: null, wards: new Map() };

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
  view.centerId = me.center_id || Number(new URLSearchParams(location.search).get("center")) || (await api("GET", "/centers"))[0].id;
  $("signin").hidden = true;
  $("admin").hidden = false;
  $("sign-out").hidden = false;
  $("who").textContent = me.username;
  await reload();
  show("center");
}

async function reload() {
  view.data = await api("GET", `/admin/centers/${view.centerId}`);
}

function show(tab) {
  view.tab = tab;
  view.editing = null;
  render();
}

function flash(message, isError = false) {
  const box = $(isError ? "error" : "status");
  $(isError ? "status" : "error").hidden = true;
  box.textContent = message;
  box.hidden = false;
}

/** Run a change, reload everything, redraw; errors stay on screen with the server's words. */
async function change(run, done = t("common.saved")) {
  try {
    const result = await run();
    await reload();
    view.editing = null;
    render();
    flash(done);
    return result;
  } catch (error) {
    flash(error.body && error.body.errors ? `${error.message} (${error.body.errors.map((e) => e.loc.slice(1).join(".")).join(", ")})` : error.message, true);
    return null;
  }
}

// ---- drawing ------------------------------------------------------------------------------------

function render() {
  const center = view.data.center;
  $("center-name").textContent = `${t("admin.title")} · ${state.language === "en" ? center.name_en : center.name_vi}`;
  for (const tab of document.querySelectorAll("[data-tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === view.tab));
  const panel = $("panel");
  panel.replaceChildren();
  if (view.tab === "center") renderCenter(panel);
  else renderResource(panel, RESOURCES[view.tab]);
}

function categoryLabel(id) {
  const c = view.data.categories.find((x) => x.id === id);
  return c ? `${c.prefix} · ${state.language === "en" ? c.name_en : c.name_vi}` : `#${id}`;
}

// ---- the center's profile -----------------------------------------------------------------------

async function renderCenter(panel) {
  const c = view.data.center;
  view.provinces = view.provinces || (await api("GET", "/admin/divisions"));
  const form = el("form", { class: "editor", id: "center-form" });
  const province = el("select", { id: "center-province" }, el("option", { value: "" }, "—"),
    ...view.provinces.map((p) => el("option", { value: p.code, selected: p.code === c.province_code }, p.name)));
  const ward = el("select", { id: "center-ward", name: "ward_code" });
  async function fillWards() {
    const code = Number(province.value);
    ward.replaceChildren(el("option", { value: "" }, "—"));
    if (!code) return;
    if (!view.wards.has(code)) view.wards.set(code, await api("GET", `/admin/divisions/${code}`));
    ward.append(...view.wards.get(code).map((w) => el("option", { value: w.code, selected: w.code === c.ward_code }, w.name)));
  }
  province.addEventListener("change", fillWards);
  await fillWards();
  form.append(
    el("h3", {}, t("admin.center_profile")),
    textField("name_vi", "admin.name_vi", c.name_vi, { required: true }),
    textField("name_en", "admin.name_en", c.name_en, { required: true }),
    el("div", { class: "row" },
      el("label", {}, el("span", {}, t("admin.province")), province),
      el("label", {}, el("span", {}, t("admin.ward")), ward)),
    textField("address", "admin.address", c.address),
    textField("hotline", "admin.hotline", c.hotline),
    el("div", { class: "row" },
      el("label", {}, el("span", {}, t("admin.priority_rule")),
        el("select", { name: "priority_rule" }, ...["ratio", "strict", "ageing"].map((r) => el("option", { value: r, selected: r === c.priority_rule }, t(`admin.rule_${r}`))))),
      numberField("priority_ratio", "admin.priority_ratio", c.priority_ratio)),
    numberField("ageing_minutes", "admin.ageing_minutes", c.ageing_minutes),
    checkField("observe_public_holidays", "admin.observe_public_holidays", c.observe_public_holidays ?? true),
    el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("common.save"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = form.elements;
    change(() => api("PUT", `/admin/centers/${view.centerId}`, {
      name_vi: f.name_vi.value.trim(), name_en: f.name_en.value.trim(), address: f.address.value.trim(), hotline: f.hotline.value.trim(),
      ward_code: f.ward_code.value ? Number(f.ward_code.value) : null, priority_rule: f.priority_rule.value,
      priority_ratio: Number(f.priority_ratio.value), ageing_minutes: Number(f.ageing_minutes.value),
      observe_public_holidays: f.observe_public_holidays.checked,
    }));
  });
  const where = c.ward_name ? `${c.ward_name}, ${c.province_name}` : t("admin.no_ward");
  panel.append(
    el("div", {}, el("h2", {}, state.language === "en" ? c.name_en : c.name_vi), el("p", {}, where), el("p", { class: "muted" }, c.address || ""),
      el("p", { class: "muted" }, t("admin.holidays_note"))),
    form,
  );
}

// ---- a resource: table + editor -----------------------------------------------------------------

function textField(name, key, value = "", extra = {}) {
  return el("label", {}, el("span", {}, t(key)), el("input", { name, value: value ?? "", ...extra }));
}

function numberField(name, key, value, extra = {}) {
  return el("label", {}, el("span", {}, t(key)), el("input", { name, type: "number", value: value ?? "", ...extra }));
}

function checkField(name, key, checked) {
  return el("label", { class: "check" }, el("input", { name, type: "checkbox", checked }), t(key));
}

const yes = (v) => t(v ? "common.yes" : "common.no");
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
      ["admin.name", (c) => `${c.name_vi} / ${c.name_en}`],
      ["admin.sessions", (c) => sessionsText(c.sessions)],
      ["admin.daily_cap", (c) => c.daily_cap ?? "—"],
      ["admin.service_minutes", (c) => c.service_minutes],
      ["admin.active", (c) => yes(c.active)],
    ],
    fields: (c = {}) => [
      el("div", { class: "row" },
        textField("prefix", "admin.prefix", c.prefix, { required: true, maxlength: 2, pattern: "[A-Z]{1,2}" }),
        el("label", {}, el("span", {}, t("admin.color")), el("input", { name: "color", type: "color", value: c.color || "#1565c0" }))),
      textField("name_vi", "admin.name_vi", c.name_vi, { required: true }),
      textField("name_en", "admin.name_en", c.name_en, { required: true }),
      textField("pictogram", "admin.pictogram", c.pictogram),
      textField("sessions", "admin.sessions_hint", c.sessions ? sessionsText(c.sessions) : "07:30-11:30, 13:30-17:00"),
      el("div", { class: "row" },
        numberField("daily_cap", "admin.daily_cap", c.daily_cap, { min: 1 }),
        numberField("service_minutes", "admin.service_minutes", c.service_minutes ?? 10, { min: 1, required: true })),
      numberField("position", "admin.position", c.position ?? view.data.categories.length, { min: 0 }),
      checkField("active", "admin.active", c.active ?? true),
    ],
    body: (f) => ({
      prefix: f.prefix.value.trim().toUpperCase(), name_vi: f.name_vi.value.trim(), name_en: f.name_en.value.trim(),
      pictogram: f.pictogram.value.trim(), color: f.color.value, sessions: parseSessions(f.sessions.value),
      daily_cap: f.daily_cap.value ? Number(f.daily_cap.value) : null, service_minutes: Number(f.service_minutes.value),
      position: Number(f.position.value || 0), active: f.active.checked,
    }),
    create: (body) => api("POST", `/admin/centers/${view.centerId}/categories`, body),
    update: (c, body) => api("PUT", `/admin/categories/${c.id}`, body),
  },
  procedures: {
    title: "admin.tab_procedures",
    rows: () => view.data.procedures,
    columns: [
      ["admin.category", (p) => categoryLabel(p.category_id)],
      ["admin.code", (p) => p.code],
      ["admin.name", (p) => `${p.name_vi}${p.name_en ? ` / ${p.name_en}` : ""}`],
      ["admin.processing_days", (p) => p.processing_days],
    ],
    fields: (p = {}) => [
      el("label", {}, el("span", {}, t("admin.category")),
        el("select", { name: "category_id", required: true }, ...view.data.categories.map((c) => el("option", { value: c.id, selected: c.id === p.category_id }, categoryLabel(c.id))))),
      textField("code", "admin.code", p.code),
      textField("name_vi", "admin.name_vi", p.name_vi, { required: true }),
      textField("name_en", "admin.name_en", p.name_en),
      numberField("processing_days", "admin.processing_days", p.processing_days ?? 0, { min: 0 }),
    ],
    body: (f) => ({ category_id: Number(f.category_id.value), code: f.code.value.trim(), name_vi: f.name_vi.value.trim(), name_en: f.name_en.value.trim(), processing_days: Number(f.processing_days.value || 0) }),
    create: (body) => api("POST", `/admin/centers/${view.centerId}/procedures`, body),
    update: (p, body) => api("PUT", `/admin/procedures/${p.id}`, body),
    remove: (p) => api("DELETE", `/admin/procedures/${p.id}`),
  },
  counters: {
    title: "admin.tab_counters",
    rows: () => view.data.counters,
    columns: [
      ["admin.number", (c) => c.number],
      ["admin.name", (c) => `${c.name_vi} / ${c.name_en}`],
      ["admin.counter_categories", (c) => [...c.categories].sort((a, b) => a.position - b.position).map((l) => categoryLabel(l.category_id) + (l.weight > 1 ? ` ×${l.weight}` : "")).join(", ")],
      ["admin.state", (c) => c.state],
    ],
    fields: (c = {}) => [
      el("div", { class: "row" },
        numberField("number", "admin.number", c.number ?? (Math.max(0, ...view.data.counters.map((x) => x.number)) + 1), { min: 1, required: true }),
        textField("name_vi", "admin.name_vi", c.name_vi)),
      textField("name_en", "admin.name_en", c.name_en),
      linksField([...(c.categories || [])].sort((a, b) => a.position - b.position).map((l) => ({ category_id: l.category_id, weight: l.weight }))),
    ],
    body: (f, form) => ({ number: Number(f.number.value), name_vi: f.name_vi.value.trim(), name_en: f.name_en.value.trim(), categories: form.links }),
    create: (body) => api("POST", `/admin/centers/${view.centerId}/counters`, body),
    update: (c, body) => api("PUT", `/admin/counters/${c.id}`, body),
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
          el("label", {}, el("span", {}, t("admin.new_password")), el("input", { name: "password", type: "password", minlength: 10, autocomplete: "new-password" })),
        ]
      : [
          textField("username", "common.username", "", { required: true, pattern: "[a-z0-9][a-z0-9._\\-]{1,63}" }),
          textField("full_name", "admin.full_name", ""),
          roleField("staff"),
          el("label", {}, el("span", {}, t("admin.password_min")), el("input", { name: "password", type: "password", minlength: 10, required: true, autocomplete: "new-password" })),
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
    rows: () => view.data.devices,
    off: (d) => !d.active,
    columns: [
      ["admin.device_name", (d) => d.name],
      ["admin.device_kind", (d) => t(`admin.kind_${d.kind}`)],
      ["admin.active", (d) => yes(d.active)],
    ],
    fields: () => [
      el("label", {}, el("span", {}, t("admin.device_kind")),
        el("select", { name: "kind" }, ...["kiosk", "display", "print_agent"].map((k) => el("option", { value: k }, t(`admin.kind_${k}`))))),
      textField("name", "admin.device_name", "", { required: true, pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}" }),
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
      el("label", {}, el("span", {}, t("admin.text_vi")), el("textarea", { name: "text_vi", required: true, maxlength: 500, rows: 2 }, n.text_vi || "")),
      el("label", {}, el("span", {}, t("admin.text_en")), el("textarea", { name: "text_en", maxlength: 500, rows: 2 }, n.text_en || "")),
      numberField("position", "admin.position", n.position ?? 0, { min: 0 }),
      checkField("active", "admin.active", n.active ?? true),
    ],
    body: (f) => ({ text_vi: f.text_vi.value.trim(), text_en: f.text_en.value.trim(), position: Number(f.position.value || 0), active: f.active.checked }),
    create: (body) => api("POST", `/admin/centers/${view.centerId}/notices`, body),
    update: (n, body) => api("PUT", `/admin/notices/${n.id}`, body),
    remove: (n) => api("DELETE", `/admin/notices/${n.id}`),
  },
};

function roleField(role) {
  return el("label", {}, el("span", {}, t("admin.role")),
    el("select", { name: "role" }, ...["staff", "leader", "admin"].map((r) => el("option", { value: r, selected: r === role }, t(`admin.role_${r}`)))));
}

/** A counter's categories in order of preference: add, move up, remove. */
function linksField(links) {
  const list = el("ol", { class: "links", id: "counter-links" });
  const add = el("select", { id: "counter-add-category", "aria-label": t("admin.add_category") }, el("option", { value: "" }, t("admin.add_category")),
    ...view.data.categories.map((c) => el("option", { value: c.id }, categoryLabel(c.id))));
  function draw() {
    list.replaceChildren(...links.map((link, i) => el("li", { dataset: { categoryId: link.category_id } },
      el("span", { class: "name" }, categoryLabel(link.category_id)),
      el("button", { type: "button", "aria-label": t("admin.move_up"), disabled: i === 0, onclick: () => { links.splice(i - 1, 0, links.splice(i, 1)[0]); draw(); } }, "↑"),
      el("button", { type: "button", "aria-label": t("common.delete"), onclick: () => { links.splice(i, 1); draw(); } }, "✕"))));
  }
  add.addEventListener("change", () => {
    const id = Number(add.value);
    if (id && !links.some((l) => l.category_id === id)) links.push({ category_id: id, weight: 1 });
    add.value = "";
    draw();
  });
  draw();
  const field = el("div", {}, el("span", {}, t("admin.counter_categories")), list, add);
  field.links = links;
  return field;
}

function renderResource(panel, resource) {
  const rows = resource.rows();
  const table = el("table", {},
    el("thead", {}, el("tr", {}, ...resource.columns.map(([key]) => el("th", {}, t(key))), el("th", {}, ""))),
    el("tbody", {}, ...rows.map((row) => el("tr", { class: resource.off && resource.off(row) ? "off" : "", dataset: { id: row.id } },
      ...resource.columns.map(([, cell]) => el("td", {}, cell(row))),
      el("td", {},
        resource.noEdit ? null : el("button", { type: "button", onclick: () => { view.editing = row; render(); } }, t("common.edit")),
        resource.remove ? el("button", { type: "button", onclick: () => change(() => resource.remove(row)) }, t("common.delete")) : null,
        ...(resource.actions ? resource.actions(row) : [])),
    ))),
  );
  const editing = view.editing;
  const fields = resource.fields(editing || undefined);
  const form = el("form", { class: "editor", id: "editor" },
    el("h3", {}, editing ? t("common.edit") : t("common.add")),
    ...fields,
    el("div", { class: "buttons" },
      editing ? el("button", { type: "button", onclick: () => { view.editing = null; render(); } }, t("common.cancel")) : null,
      el("button", { type: "submit", class: "primary" }, editing ? t("common.save") : t("common.add"))),
  );
  const links = fields.find((f) => f.links);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = resource.body(form.elements, { links: links ? links.links : undefined });
    const result = await change(() => (editing ? resource.update(editing, body) : resource.create(body)));
    if (result && resource.created && !editing) resource.created(result);
  });
  panel.append(el("div", {}, el("h2", {}, t(resource.title)), table), form);
}

start();
