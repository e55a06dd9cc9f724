// @ts-check
/** Small DOM helpers: element builder and the page's live message region. */

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 */

/**
 * Build an element. Attributes: `class`, `text`, `dataset` (object), `on<Event>` (listener),
 * booleans (set when true), anything else as an attribute. Children may be nested arrays.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children Child, or (nested) arrays of them
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else if (key === "value" && "value" in el) /** @type {HTMLInputElement} */ (el).value = String(value);
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} parent
 * @param {any[]} children
 */
function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/**
 * Replace an element's content.
 * @param {Element} el
 * @param {...any} children Child, or (nested) arrays of them
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** @param {string} id */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el;
}

/**
 * Show a message in the page's aria-live region (#flash). Errors stay until the next
 * message; others fade after a while.
 * @param {string} text
 * @param {"ok" | "error" | "info"} [kind]
 * @param {Node} [extra] e.g. a refresh button
 */
export function flash(text, kind = "info", extra) {
  const region = document.getElementById("flash");
  if (!region) return;
  region.className = `flash flash-${kind}`;
  region.setAttribute("aria-live", kind === "error" ? "assertive" : "polite");
  replace(region, h("span", { class: "flash-text", text }), extra ?? null);
  region.hidden = false;
  clearTimeout(Number(region.dataset.timer));
  if (kind !== "error") {
    region.dataset.timer = String(setTimeout(() => (region.hidden = true), 8000));
  }
}

export function clearFlash() {
  const region = document.getElementById("flash");
  if (region) region.hidden = true;
}

/**
 * Call `fn` once input has paused for `ms`.
 * @template {any[]} A
 * @param {(...args: A) => void} fn
 * @param {number} ms
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return (/** @type {A} */ ...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
