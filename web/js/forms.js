// @ts-check
/** Form helpers: labelled fields, field errors next to the fields, Ctrl+Enter to submit. */
import { h } from "./dom.js";

let seq = 0;
/** A unique id for a field. */
export function uid(prefix = "f") {
  seq += 1;
  return `${prefix}-${seq}`;
}

/**
 * A label, a control and a slot for its error, wired with for= / aria-describedby.
 * @param {string} label
 * @param {HTMLElement} control must have a `name`
 * @param {{ hint?: string, class?: string }} [opts]
 */
export function field(label, control, opts = {}) {
  if (!control.id) control.id = uid(control.getAttribute("name") ?? "f");
  const errorId = `${control.id}-error`;
  const describedBy = [errorId];
  const hint = opts.hint ? h("small", { class: "hint", id: `${control.id}-hint`, text: opts.hint }) : null;
  if (hint) describedBy.push(hint.id);
  control.setAttribute("aria-describedby", describedBy.join(" "));
  control.addEventListener("input", () => clearFieldError(control));
  return h(
    "div",
    { class: `field ${opts.class ?? ""}`.trim(), dataset: { field: control.getAttribute("name") ?? "" } },
    h("label", { for: control.id, text: label }),
    control,
    hint,
    h("span", { class: "field-error", id: errorId, "aria-live": "polite" }),
  );
}

/**
 * Put each message next to its field (by name); returns the messages without a field.
 * @param {HTMLElement} form
 * @param {Record<string, string>} errors
 */
export function showFieldErrors(form, errors) {
  clearFieldErrors(form);
  /** @type {string[]} */
  const unplaced = [];
  let first = /** @type {HTMLElement | null} */ (null);
  for (const [name, message] of Object.entries(errors)) {
    const [key = name] = name.split(".");
    const control = /** @type {HTMLElement | null} */ (form.querySelector(`[name="${CSS.escape(key)}"]`));
    const slot = control ? document.getElementById(`${control.id}-error`) : null;
    if (!control || !slot) {
      unplaced.push(message);
      continue;
    }
    control.setAttribute("aria-invalid", "true");
    slot.textContent = message;
    first ??= control;
  }
  first?.focus();
  return unplaced;
}

/**
 * Once the user edits a field, its old error goes.
 * @param {HTMLElement} control
 */
export function clearFieldError(control) {
  if (!control.hasAttribute("aria-invalid")) return;
  control.removeAttribute("aria-invalid");
  const slot = document.getElementById(`${control.id}-error`);
  if (slot) slot.textContent = "";
}

/** @param {HTMLElement} form */
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
}

/**
 * Ctrl+Enter (or ⌘+Enter) anywhere in the form submits it.
 * @param {HTMLFormElement} form
 */
export function submitOnCtrlEnter(form) {
  form.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}

/**
 * A <select> from [value, label] pairs.
 * @param {string} name
 * @param {Array<[string | number, string]>} options
 * @param {{ value?: string | number | null, multiple?: boolean, size?: number, required?: boolean, placeholder?: string }} [opts]
 */
export function select(name, options, opts = {}) {
  const el = /** @type {HTMLSelectElement} */ (
    h("select", { name, multiple: opts.multiple, size: opts.size, required: opts.required })
  );
  if (opts.placeholder !== undefined) el.append(h("option", { value: "", text: opts.placeholder }));
  for (const [value, label] of options) el.append(h("option", { value: String(value), text: label }));
  if (opts.value !== undefined && opts.value !== null) el.value = String(opts.value);
  return el;
}
