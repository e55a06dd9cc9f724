/**
 * Types of /js/vocabulary.js: the server builds that module from src/tickets/vocabulary.ts at
 * startup (src/tickets/vocabulary.routes.ts), one `export const` per export, so the desk
 * uses the same states, groups, event types and labels as the API. There is no vocabulary.js
 * in web/js on purpose.
 */
export * from "../../src/tickets/vocabulary.js";
