// @ts-check
/** Save a file the API produces (it needs the bearer token, so a plain link would not do). */
import { apiBlob } from "./api.js";

/**
 * @param {string} path API path including the query
 * @param {string} fallbackName used when the server names no file
 * @returns {Promise<string>} the file name used
 */
export async function download(path, fallbackName) {
  const { blob, filename } = await apiBlob(path);
  const name = filename ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
