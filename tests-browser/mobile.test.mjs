// The portal on a phone-sized screen (issue 4 § 6): nothing wider than the screen,
// the chooser and every tile reachable, and everything usable with the keyboard alone.
//
// Why these checks: most citizens open Helsenorge-class services on a phone; a page
// that scrolls sideways hides its right edge (often the logout or the chooser), and a
// control that cannot be reached by Tab is out of reach for many assistive devices.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { actFor, usePortal } from './lib/browser.mjs';
import { walkTiles } from './lib/walk.mjs';

const portal = usePortal();
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

/** How far the page is wider than the screen (0 when it fits). */
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test('every page Ingrid meets for Kari fits a 360 px wide phone screen', async () => {
  const page = await portal.loginAs('Ingrid', PHONE);
  await actFor(page, 'Kari');
  const wide = [];
  const check = async (what) => {
    const extra = await overflow(page);
    if (extra > 1) wide.push(`${what}: ${extra} px too wide`);
  };
  await check('home');
  let visited = 0;
  await walkTiles(page, async (_, info) => {
    visited += 1;
    await check(info.path);
  }, { detailsPerTile: 1 });
  for (const path of ['/settings', '/booking']) {
    await page.goto(path);
    await check(path);
  }
  assert.ok(visited >= 12, `visited ${visited} pages`);
  assert.deepEqual(wide, []);
});

test('the chooser, a tile and logout are reachable with the keyboard alone', async () => {
  const page = await portal.loginAs('Ola', PHONE);
  // Tab from the top: the skip link comes first and leads to the main content.
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
  assert.equal(first, 'Hopp til hovedinnhold');
  // Walk the whole tab order once and note what can be reached.
  const reached = new Set();
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    const what = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el) return '';
      return `${el.tagName.toLowerCase()}:${(el.getAttribute('name') || el.textContent || '').trim()}`;
    });
    reached.add(what);
  }
  const all = [...reached];
  assert.ok(all.includes('select:person'), JSON.stringify(all));
  assert.ok(all.includes('button:Logg ut'), JSON.stringify(all));
  assert.ok(all.some((w) => w === 'a:Journaldokumenter'), JSON.stringify(all));
  // And the chooser works from the keyboard: choose Nils in the select, then Tab to
  // its button and press Enter (a select itself does not submit its form).
  await page.focus('select[name="person"]');
  await page.selectOption('select[name="person"]', { label: 'Nils Pedersen (80 år), fullmakt' });
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.closest('form')?.className);
  assert.equal(focused, 'chooser');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.match(await page.locator('p.acting').innerText(), /Nils Pedersen/);
});
