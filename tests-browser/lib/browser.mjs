// Debian's Chromium, driven by playwright-core, and the few steps every test takes
// the way a person does: click their name on the login page, pick someone in the
// header's chooser, open a tile, read the titles of its items.
//
// Why playwright-core with /usr/bin/chromium and these flags: no test tool may
// download a browser of its own here, and the machine's network is closed, so the
// browser must not try to reach Google's services at start (background networking,
// component updates, sync, QUIC). Why `node --test` and not @playwright/test: the
// latter insists on its own browser builds.
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

import { startDemo } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * For one test file: the demo server and a browser, started before its tests and
 * stopped after them. Each `page()` is a fresh browser context (its own cookies),
 * so every test starts logged out.
 */
export function usePortal() {
  const portal = {
    url: '',
    people: new Map(),
    /** pid of a demo person by given name ("Ingrid"). */
    pid(name) {
      const p = portal.people.get(name);
      if (!p) throw new Error(`${name} is not among the demo's people: ${[...portal.people.keys()]}`);
      return p.pid;
    },
    /** A new page in a new context; `options` go to `browser.newContext`. */
    async page(options = {}) {
      const context = await browser.newContext({ baseURL: portal.url, ...options });
      contexts.push(context);
      return context.newPage();
    },
    /** A new page, logged in as `name` by clicking their button on /login. */
    async loginAs(name, options = {}) {
      const page = await portal.page(options);
      await login(page, name);
      return page;
    },
  };
  let server;
  let browser;
  const contexts = [];
  before(async () => {
    server = await startDemo();
    portal.url = server.url;
    portal.people = server.people;
    browser = await launchBrowser();
  }, { timeout: 180_000 });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop();
  }, { timeout: 60_000 });
  return portal;
}

/**
 * Clicks something that submits a form or follows a link, and waits until the page
 * it leads to (after any redirect) has loaded.
 */
export async function clickAndLoad(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
}

/** Opens /login and clicks the button "Name, age" of the demo person `name`. */
export async function login(page, name) {
  await page.goto('/login');
  const button = page.getByRole('button', { name: new RegExp(`^${name}, \\d+$`) });
  await clickAndLoad(page, button);
  const path = new URL(page.url()).pathname;
  if (path !== '/') throw new Error(`logging in as ${name} ended on ${path}`);
}

/** The chooser's select ("Du bruker tjenestene på vegne av"). */
export function chooser(page) {
  return page.getByLabel('Du bruker tjenestene på vegne av');
}

/** The chooser's options as shown, in order ([] when there is no chooser). */
export async function chooserOptions(page) {
  const select = chooser(page);
  if ((await select.count()) === 0) return [];
  return (await select.locator('option').allTextContents()).map((s) => s.trim());
}

/** Picks the person whose label starts with `name` and presses "Bytt person". */
export async function actFor(page, name) {
  const options = await chooserOptions(page);
  const label = options.find((o) => o.startsWith(name));
  if (!label) throw new Error(`${name} is not in the chooser: ${JSON.stringify(options)}`);
  await chooser(page).selectOption({ label });
  await clickAndLoad(page, page.getByRole('button', { name: 'Bytt person' }));
  const acting = await page.locator('main').innerText();
  if (!acting.includes(`Du ser tjenestene for ${name}`)) {
    throw new Error(`after choosing ${name} the home page says: ${acting}`);
  }
}

/** Opens a tile from the home page by its name ("Journaldokumenter"). */
export async function openTile(page, tileName) {
  if (new URL(page.url()).pathname !== '/') await page.goto('/');
  await clickAndLoad(page, page.locator('main').getByRole('link', { name: tileName, exact: true }));
}

/**
 * The titles of the items listed on a tile page: the texts of the links to the
 * tile's detail pages (`/tiles/<tile>/<handle>`), whatever markup the tile has
 * around them.
 */
export async function itemTitles(page) {
  const tile = new URL(page.url()).pathname.split('/')[2];
  const links = page.locator(`main a[href^="/tiles/${tile}/"]`);
  return (await links.allInnerTexts()).map((s) => s.trim().replace(/\s+/g, ' '));
}

/** The visible text of `<main>`, whitespace collapsed. */
export async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

/** The text of the first element matching `selector`, trimmed ('' if none). */
export async function textOf(page, selector) {
  const el = page.locator(selector).first();
  return (await el.count()) ? (await el.innerText()).trim() : '';
}
