// @ts-check
/** The login page: token and user into localStorage, then ?next or the role's home. */
import { ApiError, api } from "./api.js";
import { byId } from "./dom.js";
import { clearFieldErrors, showFieldErrors } from "./forms.js";
import { applyI18n, getLang, setLang, t } from "./i18n.js";
import { homeFor, safeNext, saveSession } from "./session.js";

const form = /** @type {HTMLFormElement} */ (byId("login-form"));
const message = byId("login-message");
const submit = /** @type {HTMLButtonElement} */ (byId("login-submit"));

applyI18n();
// Demo accounts are worth a hint on a developer's machine only.
byId("demo-hint").hidden = !["localhost", "127.0.0.1"].includes(location.hostname);
/** @type {HTMLInputElement} */ (form.elements.namedItem("username")).focus();
byId("lang").addEventListener("click", () => setLang(getLang() === "zh" ? "en" : "zh"));

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  clearFieldErrors(form);
  message.textContent = "";
  const data = new FormData(form);
  const username = String(data.get("username") ?? "").trim();
  const password = String(data.get("password") ?? "");
  /** @type {Record<string, string>} */
  const missing = {};
  if (!username) missing.username = t("field.required");
  if (!password) missing.password = t("field.required");
  if (Object.keys(missing).length) {
    showFieldErrors(form, missing);
    return;
  }
  submit.disabled = true;
  submit.textContent = t("login.busy");
  try {
    /** @type {{ token: string, user: import("./session.js").User }} */
    const res = await api("/api/v1/auth/login", { body: { username, password }, auth: false });
    saveSession(res.token, res.user);
    const next = safeNext(new URLSearchParams(location.search).get("next"));
    location.assign(next ?? homeFor(res.user.role));
  } catch (err) {
    message.textContent = err instanceof ApiError ? loginError(err) : String(err);
    if (err instanceof ApiError && Object.keys(err.fieldErrors).length)
      showFieldErrors(form, err.fieldErrors);
    submit.disabled = false;
    submit.textContent = t("login.submit");
  }
});

/**
 * On the login form a 401 can only mean the credentials were wrong; a 429 is the login
 * throttle (src/auth/login-throttle.ts): say how long to wait and that waits grow to 15 minutes.
 * @param {ApiError} err
 */
function loginError(err) {
  if (err.status === 401) return t("err.badLogin");
  if (err.status !== 429) return err.message;
  const seconds = Number(err.problem.retryAfter) || 0;
  const wait =
    seconds < 60
      ? t("login.waitSeconds", { n: Math.max(1, seconds) })
      : t("login.waitMinutes", { n: Math.ceil(seconds / 60) });
  return t("login.throttled", { wait });
}
