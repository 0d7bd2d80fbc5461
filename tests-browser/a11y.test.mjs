// axe-core (WCAG 2.1 A and AA rules) on every kind of page the portal has: login,
// home, each tile's list, one detail page per tile that has items, settings, the
// lower-security-level page, an error page, and a page in each language.
//
// Why `bypassCSP` here only: the portal's policy forbids every script, axe
// included. This test's browser context ignores the policy so axe can be injected;
// every other test runs with the policy as a visitor's browser enforces it.
// Serious and critical violations of WCAG rules fail the test, with the rule, the
// page and the elements printed; minor and moderate ones, and axe's best-practice
// rules, are printed as warnings.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { actFor, clickAndLoad, usePortal } from './lib/browser.mjs';
import { walkTiles } from './lib/walk.mjs';
import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';

const portal = usePortal();
const CONTEXT = AXE_CONTEXT;
const collector = axeCollector;

test('login page, lower security level page and an error page', async () => {
  const axeOn = collector();
  const page = await portal.page(CONTEXT);
  await page.goto('/login');
  await axeOn.check(page, '/login');
  await page.goto('/login?lang=se');
  await axeOn.check(page, '/login (se)');
  await page.goto('/login?lang=nb');
  await page.getByLabel('Fødselsnummer (11 siffer)').fill(portal.pid('Ingrid'));
  await page.getByLabel('Sikkerhetsnivå').selectOption({ label: 'Betydelig (MinID)' });
  await clickAndLoad(page, page.getByRole('button', { name: 'Logg inn', exact: true }));
  await axeOn.check(page, '/ (lower security level)');
  await page.goto('/settings');
  await axeOn.check(page, '/settings (lower security level)');
  const other = await portal.loginAs('Ingrid', CONTEXT);
  await other.goto('/tiles/no-such-tile');
  await axeOn.check(other, '/tiles/no-such-tile (404)');
  await other.goto('/tiles/journal/0123456789abcdef');
  await axeOn.check(other, 'unknown handle (404)');
  axeOn.finish(6);
});

for (const [who, actingFor] of [['Ingrid', 'Kari'], ['Ola', 'Nils'], ['Kari', null]]) {
  test(`${who}${actingFor ? ` acting for ${actingFor}` : ''}: home, every tile, one item of each, settings`, async () => {
    const axeOn = collector();
    const page = await portal.loginAs(who, CONTEXT);
    if (actingFor) await actFor(page, actingFor);
    let pages = 0;
    await walkTiles(page, async (p, { path, kind, tile }) => {
      pages += 1;
      await axeOn.check(p, `${kind} ${tile ?? ''} ${path}`);
    }, { detailsPerTile: 1 });
    await page.goto('/settings');
    await axeOn.check(page, '/settings');
    axeOn.finish(pages + 1);
  });
}

test('home and a tile in nynorsk, English and northern Sami', async () => {
  const axeOn = collector();
  const page = await portal.loginAs('Ingrid', CONTEXT);
  for (const lang of ['nn', 'en', 'se']) {
    await page.goto(`/?lang=${lang}`);
    await axeOn.check(page, `/ (${lang})`);
    await page.goto('/tiles/journal');
    await axeOn.check(page, `/tiles/journal (${lang})`);
  }
  axeOn.finish(6);
});
