// @ts-check
/**
 * Chinese first, English on request. The choice lives in localStorage 'hotline.lang'.
 * Static markup is translated through data-i18n* attributes; scripts call t().
 */
import en from "./i18n/en.js";
import zh from "./i18n/zh.js";
import { RECORDED_EVENT_LABELS, STATE_LABELS } from "./vocabulary.js";

const STORAGE_KEY = "hotline.lang";

/**
 * The `state.*` and `event.*` keys: the server's vocabulary (src/tickets/vocabulary.ts, served
 * as /js/vocabulary.js), never restated in i18n/zh.js or en.js.
 * @param {"zh" | "en"} lang
 * @returns {Record<string, string>}
 */
function vocabularyKeys(lang) {
  return Object.fromEntries([
    ...Object.entries(STATE_LABELS).map(([state, label]) => [`state.${state}`, label[lang]]),
    ...Object.entries(RECORDED_EVENT_LABELS).map(([type, label]) => [`event.${type}`, label[lang]]),
  ]);
}

/** @type {Record<"zh" | "en", Record<string, string>>} */
const DICTS = { zh: { ...zh, ...vocabularyKeys("zh") }, en: { ...en, ...vocabularyKeys("en") } };

/** @returns {"zh" | "en"} */
export function getLang() {
  return localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "zh";
}

/** The BCP 47 tag for <html lang> and Intl. */
export function locale() {
  return getLang() === "en" ? "en-GB" : "zh-CN";
}

/**
 * The string for `key` in the current language with {name} placeholders filled in.
 * A missing key falls back to Chinese, then to the key itself (and warns, so tests catch it).
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params) {
  const lang = getLang();
  let s = DICTS[lang][key] ?? DICTS.zh[key];
  if (s === undefined) {
    console.warn(`i18n: missing key ${key}`);
    s = key;
  }
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** True when the dictionary has the key (e.g. an event type the UI knows). @param {string} key */
export function has(key) {
  return key in DICTS.zh;
}

/** @param {string} state */
export const stateLabel = (state) => (has(`state.${state}`) ? t(`state.${state}`) : state);
/** @param {string} type */
export const eventLabel = (type) => (has(`event.${type}`) ? t(`event.${type}`) : type);
/** @param {string} role */
export const roleLabel = (role) => (has(`role.${role}`) ? t(`role.${role}`) : role);

/**
 * Translate static markup: data-i18n (text), data-i18n-placeholder, data-i18n-title,
 * data-i18n-aria-label.
 * @param {ParentNode} root
 */
export function applyI18n(root = document) {
  document.documentElement.lang = locale();
  for (const el of root.querySelectorAll("[data-i18n]"))
    el.textContent = t(el.getAttribute("data-i18n") ?? "");
  for (const [attr, target] of /** @type {[string, string][]} */ ([
    ["data-i18n-placeholder", "placeholder"],
    ["data-i18n-title", "title"],
    ["data-i18n-aria-label", "aria-label"],
  ])) {
    for (const el of root.querySelectorAll(`[${attr}]`))
      el.setAttribute(target, t(el.getAttribute(attr) ?? ""));
  }
  const title = document.querySelector("meta[name='i18n-title']")?.getAttribute("content");
  if (title) document.title = `${t(title)} · ${t("app.short")}`;
}

/**
 * Switch language, re-translate static markup and tell views to re-render ("langchange").
 * @param {"zh" | "en"} lang
 */
export function setLang(lang) {
  localStorage.setItem(STORAGE_KEY, lang);
  applyI18n(document);
  window.dispatchEvent(new CustomEvent("langchange", { detail: lang }));
}
