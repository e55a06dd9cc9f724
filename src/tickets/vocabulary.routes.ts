import { readFileSync } from "node:fs";
// esbuild comes with tsx, which runs the app; here it only strips the types of a pure module.
import { transformSync } from "esbuild";
import type { App } from "../http/app.ts";
import * as vocabulary from "./vocabulary.ts";

/** Where the browser imports the vocabulary from (web/js/vocabulary.d.ts types it). */
export const VOCABULARY_MODULE_PATH = "/js/vocabulary.js";
/** Where the browser imports the deadline states from (web/js/deadline-state.d.ts types it). */
export const DEADLINE_STATE_MODULE_PATH = "/js/deadline-state.js";

/**
 * deadline-state.ts as a browser ES module: the same source, types stripped. Throws when the
 * module grew a runtime import (the browser could not resolve it).
 */
export function deadlineStateModule(): string {
  const source = readFileSync(new URL("./deadline-state.ts", import.meta.url), "utf8");
  const { code } = transformSync(source, { loader: "ts", format: "esm", target: "es2022" });
  if (/^\s*import\s/m.test(code)) throw new Error("deadline-state.ts must have no runtime imports");
  return `// Built by the server from src/tickets/deadline-state.ts; not a file in web/js.\n${code}`;
}

/**
 * vocabulary.ts as a browser ES module: each export as `export const NAME = <JSON>;`.
 * Throws when an export is not plain JSON data (a function, undefined…), so a vocabulary
 * the browser could not receive whole fails at startup rather than in the desk.
 */
export function vocabularyModule(source: Record<string, unknown> = vocabulary): string {
  const lines = ["// Built by the server from src/tickets/vocabulary.ts; not a file in web/js."];
  for (const [name, value] of Object.entries(source).sort(([a], [b]) => a.localeCompare(b))) {
    const json = JSON.stringify(value);
    if (json === undefined || !sameData(JSON.parse(json), value))
      throw new Error(`vocabulary.ts: export ${name} is not plain JSON data`);
    lines.push(`export const ${name} = ${json};`);
  }
  return `${lines.join("\n")}\n`;
}

function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Serves the vocabulary and the deadline states to the desk and dashboard; built once, when the app is assembled. */
export function registerVocabularyRoutes(app: App): void {
  const headers = { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" };
  const body = vocabularyModule();
  app.get(VOCABULARY_MODULE_PATH, (c) => c.body(body, 200, headers));
  const deadlines = deadlineStateModule();
  app.get(DEADLINE_STATE_MODULE_PATH, (c) => c.body(deadlines, 200, headers));
}
