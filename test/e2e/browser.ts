import { existsSync, mkdirSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const VIEWPORT = { width: 1366, height: 768 };
/** Screenshots of every screen, for people to look at; an ignored folder, so a run never edits tracked files. */
export const SCREENSHOTS = new URL("./__screenshots__/", import.meta.url).pathname;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A user at their own browser: one context (own localStorage) and one page. */
export interface Desk {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and missing i18n keys seen so far. */
  problems: string[];
}

export async function openDesk(
  browser: Browser,
  baseUrl: string,
  opts: { acceptDownloads?: boolean } = {},
): Promise<Desk> {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    baseURL: baseUrl,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    acceptDownloads: opts.acceptDownloads ?? false,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    const text = m.text();
    if (text.startsWith("i18n: missing key")) problems.push(text);
    // 4xx answers the UI handles (not found, refused transitions) and the missing stats stream are expected.
    if (m.type() === "error" && !/Failed to load resource/.test(text)) problems.push(`console: ${text}`);
  });
  return { context, page, problems };
}

/** Log in through the login form, as a person would. */
export async function login(page: Page, username: string, password = "demo12345"): Promise<void> {
  await page.goto("/login.html");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(/\/(index|dashboard)\.html/), page.press("#password", "Enter")]);
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

/** Pick the option whose visible text (ignoring the tree indentation) is `text`. */
export async function selectByText(page: Page, selector: string, text: string): Promise<string> {
  const value = await page.$eval(
    selector,
    (el, want) => {
      const opt = [...(el as HTMLSelectElement).options].find(
        (o) => o.text.replace(/^[\s\u3000]+/, "") === want,
      );
      return opt?.value ?? null;
    },
    text,
  );
  if (value === null) throw new Error(`no option "${text}" in ${selector}`);
  await page.selectOption(selector, value);
  return value;
}

/** The name of the focused control. */
export function focusedName(page: Page): Promise<string | null> {
  return page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name ?? null);
}

export async function expectNoProblems(desk: Desk): Promise<void> {
  expect(desk.problems, desk.problems.join("\n")).toEqual([]);
}
