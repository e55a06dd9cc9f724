// @ts-check
/**
 * Drafts of forms in sessionStorage, keyed by user, ticket and form, so a reload, an expired
 * session or a trip to the login page loses nothing typed. sessionStorage, not localStorage:
 * drafts hold citizens' personal data and go with the browser tab; logging out drops them.
 */
import { getUser } from "./session.js";

const PREFIX = "hotline.draft.";

/**
 * The storage key of a form's draft for the logged-in user.
 * @param {string} scope e.g. "new" or "ticket.42"
 * @param {string} form e.g. "REPLY"
 */
export function draftKey(scope, form) {
  return `${PREFIX}${getUser()?.id ?? "anon"}.${scope}.${form}`;
}

/**
 * @template T
 * @param {string} key
 * @returns {T | null}
 */
export function loadDraft(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? "null");
  } catch {
    return null;
  }
}

/**
 * @param {string} key
 * @param {unknown} value
 */
export function saveDraft(key, value) {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: the draft lives in memory only
  }
}

/** @param {string} key */
export function dropDraft(key) {
  sessionStorage.removeItem(key);
}

/** Forget every draft (logout). */
export function dropAllDrafts() {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
}

/**
 * A form's named values: name → every value (checkboxes, radios and multi-selects as chosen).
 * @param {HTMLFormElement} form
 * @returns {Record<string, string[]>}
 */
export function formValues(form) {
  /** @type {Record<string, string[]>} */
  const out = {};
  for (const [name, value] of new FormData(form)) {
    out[name] ??= [];
    out[name].push(String(value));
  }
  return out;
}

/**
 * Put saved values back into a form's controls.
 * @param {HTMLFormElement} form
 * @param {Record<string, string[]>} values
 */
export function restoreForm(form, values) {
  // Controls that build their own inputs (unit chips) restore themselves.
  for (const el of form.querySelectorAll("[data-draft-name]")) {
    const name = /** @type {HTMLElement} */ (el).dataset.draftName ?? "";
    const restore = /** @type {{ restoreDraft?: (v: string[]) => void }} */ (/** @type {unknown} */ (el))
      .restoreDraft;
    if (name in values) restore?.(values[name] ?? []);
  }
  for (const el of form.elements) {
    const control = /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */ (el);
    if (!control.name || !(control.name in values) || control.closest("[data-draft-name]")) continue;
    const saved = values[control.name] ?? [];
    if (control instanceof HTMLInputElement && (control.type === "radio" || control.type === "checkbox"))
      control.checked = saved.includes(control.value);
    else if (control instanceof HTMLSelectElement && control.multiple)
      for (const o of control.options) o.selected = saved.includes(o.value);
    else control.value = saved[0] ?? "";
  }
}
