// Languages: bokmål, nynorsk, English and northern Sami, chosen with ?lang= (the
// links in the header) and remembered in a cookie across pages and logins.
//
// Why the expected words come from the locale files: the tests check that the
// portal uses the chosen language, not how each sentence is translated, so the
// translations can be improved without touching these tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { clickAndLoad, textOf, usePortal } from './lib/browser.mjs';
import { REPO_ROOT } from './lib/server.mjs';

const portal = usePortal();

const LANGS = ['nb', 'nn', 'en', 'se'];
const locale = Object.fromEntries(
  LANGS.map((l) => [l, JSON.parse(readFileSync(join(REPO_ROOT, 'crates/portal/locales', `${l}.json`), 'utf8'))]),
);

async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

test('every language changes <html lang> and the headings, and stays on the next pages', async () => {
  const page = await portal.loginAs('Ingrid');
  for (const lang of ['en', 'nn', 'se', 'nb']) {
    const t = locale[lang];
    await page.goto(`/?lang=${lang}`);
    assert.equal(await htmlLang(page), lang);
    assert.equal(await textOf(page, 'h1'), t['home.title'], lang);
    // Without ?lang= the next pages keep the language (cookie).
    await clickAndLoad(page, page.locator('main').getByRole('link', { name: t['tile.journal'], exact: true }));
    assert.equal(new URL(page.url()).search, '');
    assert.equal(await htmlLang(page), lang);
    assert.equal(await textOf(page, 'h1'), t['tile.journal'], lang);
    await page.goto('/settings');
    assert.equal(await htmlLang(page), lang);
    // The chooser and the logout button speak the language too.
    assert.equal(await page.getByRole('button', { name: t['nav.logout'], exact: true }).count(), 1, lang);
    assert.equal(await page.getByLabel(t['chooser.label'], { exact: true }).count(), 1, lang);
  }
});

test('the header links switch language like a person would, and the choice is a cookie', async () => {
  const page = await portal.loginAs('Ingrid');
  await clickAndLoad(page, page.getByRole('link', { name: 'English', exact: true }));
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await textOf(page, 'h1'), locale.en['home.title']);
  // The current language is marked, not linked.
  assert.equal(await page.locator('[aria-current="true"]').innerText(), 'English');
  const cookie = (await page.context().cookies()).find((c) => c.name === 'nordlys_lang');
  assert.equal(cookie?.value, 'en');
  await clickAndLoad(page, page.getByRole('link', { name: 'Davvisámegiella', exact: true }));
  assert.equal(await htmlLang(page), 'se');
  assert.equal(await textOf(page, 'h1'), locale.se['home.title']);
});

test('a language chosen on the login page holds after logging in and after logging out', async () => {
  const page = await portal.page();
  await page.goto('/login?lang=nn');
  assert.equal(await htmlLang(page), 'nn');
  assert.equal(await textOf(page, 'h1'), locale.nn['login.title']);
  const ingrid = portal.people.get('Ingrid');
  await clickAndLoad(page, page.getByRole('button', { name: `Ingrid, ${ingrid.age}`, exact: true }));
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await htmlLang(page), 'nn');
  assert.equal(await textOf(page, 'h1'), locale.nn['home.title']);
  await clickAndLoad(page, page.getByRole('button', { name: locale.nn['nav.logout'], exact: true }));
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(await htmlLang(page), 'nn');
});

test('each language name in the header is marked with its own language', async () => {
  const page = await portal.page();
  await page.goto('/login');
  const marks = await page.locator('nav a[hreflang], nav [aria-current]').evaluateAll((els) =>
    els.map((e) => [e.textContent.trim(), e.getAttribute('lang')]));
  assert.deepEqual(
    Object.fromEntries(marks),
    { Bokmål: 'nb', Nynorsk: 'nn', English: 'en', Davvisámegiella: 'se' },
  );
});

test('the demo cast\'s descriptions, written in English, are marked English on a Norwegian page', async () => {
  const page = await portal.page();
  await page.goto('/login');
  assert.equal(await page.locator('html').getAttribute('lang'), 'nb');
  const role = page.getByText(portal.people.get('Ingrid').role, { exact: true });
  assert.equal(await role.evaluate((e) => e.closest('[lang]').getAttribute('lang')), 'en');
});
