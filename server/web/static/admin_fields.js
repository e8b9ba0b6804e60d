/**
 * The admin's form fields: each a labelled control in a box named after the body field it
 * fills (data-field), so the server's refusal of that field (a 422 naming it, in Vietnamese)
 * is shown right under it. Also Vietnamese order and search for the lists of names.
 */
import { el, said, state, t } from "/web/static/common.js";

// ---- Vietnamese names: order and search ------------------------------------------------------

/** Vietnamese alphabetical order (a ă â ... d đ ... o ô ơ), as the server's vi_key has it. */
export const collator = new Intl.Collator("vi");

/** Lowercase without diacritics ("Đống Đa" -> "dong da"): a search matches with or without them. */
export function fold(text) {
  return String(text).normalize("NFD").replace(/\p{M}/gu, "").replace(/[đĐ]/g, "d").toLowerCase();
}

export function matches(text, query) {
  return fold(text).includes(fold(query).trim());
}

// ---- fields ---------------------------------------------------------------------------------

/** A control with its label, in a box named after the body field `name`. */
export function field(name, key, control) {
  control.id = control.id || `field-${name}`;
  if (!control.name) control.name = name;
  return el("div", { class: "field", dataset: { field: name } }, el("label", { for: control.id }, t(key)), control);
}

export function textField(name, key, value = "", extra = {}) {
  return field(name, key, el("input", { value: value ?? "", ...extra }));
}

export function numberField(name, key, value, extra = {}) {
  return field(name, key, el("input", { type: "number", value: value ?? "", ...extra }));
}

export function selectField(name, key, options) {
  return field(name, key, el("select", {}, ...options));
}

export function checkField(name, key, checked) {
  return el("div", { class: "field", dataset: { field: name } },
    el("label", { class: "check" }, el("input", { name, type: "checkbox", checked }), t(key)));
}

/** The server's refusal of each field under that field; the first refused control gets focus. */
export function showFieldErrors(form, errors) {
  let first = null;
  for (const error of errors) {
    const box = error.field && form.querySelector(`[data-field="${error.field}"]`);
    if (!box) continue;
    const id = `error-${error.field}`;
    const note = box.querySelector(".field-error") || box.appendChild(el("p", { class: "field-error", id }));
    note.textContent = note.textContent ? `${note.textContent} ${said(error.message)}` : said(error.message);
    const control = box.querySelector("input, select, textarea");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", id);
      first = first || control;
    }
  }
  if (first) first.focus();
}

/** A field being edited again: its refusal goes. */
export function clearFieldError(target) {
  const box = target.closest && target.closest("[data-field]");
  if (!box) return;
  box.querySelector(".field-error")?.remove();
  for (const control of box.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
    control.removeAttribute("aria-describedby");
  }
}

// ---- a category's pictogram, picked from those the kiosk has ---------------------------------------

export function pictogramName(name) {
  const key = name ? `admin.picto_${name}` : "admin.picto_none";
  return state.catalog[key] ? t(key) : name;
}

/** A pictogram as the kiosk draws it: white on the category's colour. */
export function pictogramImage(name, color) {
  return el("img", { class: "picto", src: `/kiosk/static/pictograms/${encodeURIComponent(name || "info")}.svg`, alt: "", style: `background:${color}` });
}

/** One radio per pictogram (and "none": the kiosk's general sign), each showing the picture
 * on the colour chosen (`colorInput`, followed as it changes). */
export function pictogramField(names, current, colorInput) {
  const picker = el("fieldset", { class: "field pictograms", dataset: { field: "pictogram" }, id: "pictogram-picker" },
    el("legend", {}, t("admin.pictogram")),
    el("div", { class: "choices" },
      ...["", ...names].map((name) => el("label", { class: "picto-choice", dataset: { pictogram: name } },
        el("input", { type: "radio", name: "pictogram", value: name, checked: name === (current || "") }),
        pictogramImage(name, colorInput.value),
        el("span", {}, pictogramName(name))))));
  colorInput.addEventListener("input", () => {
    for (const img of picker.querySelectorAll("img")) img.style.background = colorInput.value;
  });
  return picker;
}

// ---- a counter's categories, in order of preference, with their weights ----------------------------

/** `links` [{category_id, weight}] edited in place: add, move up, remove, weigh. */
export function linksField(links, categories, labelOf) {
  const list = el("ol", { class: "links", id: "counter-links" });
  const add = el("select", { id: "counter-add-category", "aria-label": t("admin.add_category") }, el("option", { value: "" }, t("admin.add_category")),
    ...categories.map((c) => el("option", { value: c.id }, labelOf(c.id))));
  function draw() {
    list.replaceChildren(...links.map((link, i) => el("li", { dataset: { categoryId: link.category_id } },
      el("span", { class: "name" }, labelOf(link.category_id)),
      el("label", { class: "weight" }, t("admin.weight"),
        el("input", { type: "number", min: 1, max: 10, value: link.weight, "aria-label": t("admin.weight_of", { name: labelOf(link.category_id) }),
          oninput: (event) => { link.weight = Number(event.target.value); } })),
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
  const box = el("div", { class: "field", dataset: { field: "categories" } },
    el("span", {}, t("admin.counter_categories")), el("p", { class: "hint" }, t("admin.weight_hint")), list, add);
  box.links = links;
  return box;
}
