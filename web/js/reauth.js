// @ts-check
/**
 * Re-login in place: when the session expires (a 401 on a request that carried a token), a
 * dialog over the page asks for the same user's password; the request that failed is then sent
 * again with the new token, so the form the user was filling in goes through as typed. Several
 * requests failing together share one dialog. Cancelling goes to the login page (api.js; drafts
 * are kept in sessionStorage, see drafts.js).
 */
import { api, setReauthenticate } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { getUser, saveSession } from "./session.js";

/** @type {Promise<boolean> | null} */
let pending = null;

/** Install the dialog as the answer to an expired session (the desk calls this once). */
export function installReauth() {
  setReauthenticate(() => {
    pending ??= askPassword().finally(() => {
      pending = null;
    });
    return pending;
  });
}

/**
 * Show the dialog; resolves true once logged in again as the same user.
 * @returns {Promise<boolean>}
 */
function askPassword() {
  const user = getUser();
  if (!user) return Promise.resolve(false);
  return new Promise((resolve) => {
    const password = /** @type {HTMLInputElement} */ (
      h("input", {
        type: "password",
        name: "password",
        id: "reauth-password",
        autocomplete: "current-password",
        required: true,
      })
    );
    const message = h("p", { class: "form-message", role: "alert", dataset: { testid: "reauth-message" } });
    const submit = /** @type {HTMLButtonElement} */ (
      h("button", {
        type: "submit",
        class: "btn btn-primary",
        dataset: { testid: "reauth-submit" },
        text: t("reauth.submit"),
      })
    );
    const form = /** @type {HTMLFormElement} */ (
      h(
        "form",
        { method: "dialog", class: "reauth-form", novalidate: true },
        h("h2", { id: "reauth-h", text: t("reauth.heading") }),
        h("p", { text: t("reauth.explain", { user: user.displayName ?? user.username }) }),
        h("input", {
          type: "text",
          name: "username",
          value: user.username,
          autocomplete: "username",
          readonly: true,
          hidden: true,
        }),
        h(
          "div",
          { class: "field" },
          h("label", { for: "reauth-password", text: t("login.password") }),
          password,
        ),
        message,
        h(
          "div",
          { class: "form-actions" },
          submit,
          h("button", {
            type: "button",
            class: "btn",
            dataset: { testid: "reauth-cancel" },
            text: t("reauth.toLogin"),
            onclick: () => {
              close();
              resolve(false);
            },
          }),
        ),
      )
    );
    const dialog = /** @type {HTMLDialogElement} */ (
      h(
        "dialog",
        { class: "reauth", "aria-labelledby": "reauth-h", dataset: { testid: "reauth-dialog" } },
        form,
      )
    );
    const close = () => {
      dialog.close();
      dialog.remove();
    };
    // Escape would leave the request hanging: it means "not now", i.e. the login page.
    dialog.addEventListener("cancel", (e) => e.preventDefault());
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      message.textContent = "";
      if (!password.value) {
        message.textContent = t("field.required");
        password.focus();
        return;
      }
      submit.disabled = true;
      try {
        /** @type {{ token: string, user: import("./session.js").User }} */
        const res = await api("/api/v1/auth/login", {
          body: { username: user.username, password: password.value },
          auth: false,
        });
        saveSession(res.token, res.user);
        close();
        resolve(true);
      } catch (err) {
        const status = /** @type {{ status?: number }} */ (err).status;
        message.textContent = status === 401 ? t("reauth.wrong") : String(/** @type {Error} */ (err).message);
        password.select();
      } finally {
        submit.disabled = false;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    password.focus();
  });
}
