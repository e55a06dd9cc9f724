// @ts-check
/** Helpers the admin screens share: form submission with field errors, department options. */
import { ApiError, api } from "../../api.js";
import { h } from "../../dom.js";
import { clearFieldErrors, showFieldErrors } from "../../forms.js";
import { getLang } from "../../i18n.js";

/**
 * Submit a form through `send`: field errors go next to their fields, anything else into the
 * form's message slot; the button is disabled while the call runs.
 * @param {HTMLFormElement} form
 * @param {(data: FormData) => Promise<void>} send
 */
export function onSubmit(form, send) {
  const message = h("p", { class: "form-message", role: "alert" });
  form.append(message);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.textContent = "";
    const button = /** @type {HTMLButtonElement | null} */ (form.querySelector("button[type=submit]"));
    if (button) button.disabled = true;
    try {
      await send(new FormData(form));
    } catch (err) {
      const fieldErrors = err instanceof ApiError ? err.fieldErrors : {};
      const unplaced = showFieldErrors(form, fieldErrors);
      if (!Object.keys(fieldErrors).length || unplaced.length)
        message.textContent = [err instanceof Error ? err.message : String(err), ...unplaced].join(" ");
    } finally {
      if (button) button.disabled = false;
    }
  });
}

/** @param {FormData} data @param {string} name */
export const str = (data, name) => String(data.get(name) ?? "").trim();

/** The department tree as the API has it now (not the page's cached copy). */
export async function fetchDepartments() {
  const res = /** @type {{ items: import("../../org.js").Department[] }} */ (
    await api("/api/v1/departments")
  );
  return res.items;
}

/** @param {{ name: string, nameEn: string | null }} d */
export const localName = (d) => (getLang() === "en" && d.nameEn ? d.nameEn : d.name);
