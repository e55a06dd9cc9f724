/**
 * Types of /js/deadline-state.js: the server serves src/tickets/deadline-state.ts with its types
 * stripped (src/tickets/vocabulary.routes.ts), so the desk decides each deadline's state with the
 * very function the API and the stats use. There is no deadline-state.js in web/js on purpose.
 */
export * from "../../src/tickets/deadline-state.js";
