// @ts-check
/**
 * Keep the dashboard fresh without reloading: the server's event stream (`summary-changed`)
 * when it is there, and a 15-second poll always, in case the stream is down or blocked.
 */
import { getToken } from "../session.js";

const POLL_MS = 15_000;
const RECONNECT_MS = 30_000;

/**
 * @param {(reason: "push" | "poll") => void} onChange
 * @param {(live: boolean) => void} onLiveState
 * @returns {() => void} stop
 */
export function startLive(onChange, onLiveState) {
  /** @type {EventSource | null} */
  let source = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retry;
  let stopped = false;

  function connect() {
    const token = getToken();
    if (stopped || !token || typeof EventSource === "undefined") return;
    source = new EventSource(`/api/v1/stats/stream?access_token=${encodeURIComponent(token)}`);
    source.addEventListener("open", () => onLiveState(true));
    source.addEventListener("summary-changed", () => onChange("push"));
    source.addEventListener("error", () => {
      onLiveState(false);
      // A refused stream (non-200) is closed for good by the browser: try again later ourselves.
      if (source?.readyState === EventSource.CLOSED) {
        source = null;
        retry = setTimeout(connect, RECONNECT_MS);
      }
    });
  }

  connect();
  const poll = setInterval(() => {
    if (!document.hidden) onChange("poll");
  }, POLL_MS);
  return () => {
    stopped = true;
    source?.close();
    clearTimeout(retry);
    clearInterval(poll);
  };
}
