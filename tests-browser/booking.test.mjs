// Booking in a real browser (issue 6 § 1): Ingrid books a GP time for Emma (8) from
// the appointments tile, finds it among Emma's appointments, moves it, and cancels it
// — by clicking the portal's own buttons, with no script on any page — and the
// booking page passes axe (WCAG 2.1 A/AA, serious and critical fail).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { actFor, clickAndLoad, mainText, openTile, usePortal } from './lib/browser.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const portal = usePortal();
/** The demo GP's schedule as the booking page names it. */
const GP = 'Time hos fastlege – Hanne Berg';

/** The booking page's section of the demo GP. */
function gpSection(page) {
  return page.locator('section.unit', { hasText: GP });
}

/** Opens Emma's appointment at `when` ("dd.mm.yyyy kl. HH:MM") from the tile. */
async function openAppointmentAt(page, when) {
  await openTile(page, 'Timeavtaler');
  const links = await page.locator('main a[href^="/tiles/appointments/"]').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
  for (const href of links) {
    await page.goto(href);
    const text = await mainText(page);
    if (text.includes(when) && text.includes('Avbestill timen')) return;
  }
  throw new Error(`no cancellable appointment at ${when} among ${links.length}`);
}

/** "dd.mm.yyyy kl. HH:MM" of the last free GP time (the furthest ahead). */
async function lastGpTime(page) {
  const section = gpSection(page);
  const day = (await section.locator('h3').last().innerText()).trim();
  const button = (await section.getByRole('button').last().innerText()).trim();
  const time = button.match(/kl\. \d\d:\d\d/);
  if (!time) throw new Error(`no time in the button "${button}"`);
  return `${day} ${time[0]}`;
}

test('Ingrid books, moves and cancels a GP time for Emma', async () => {
  const page = await portal.loginAs('Ingrid');
  await actFor(page, 'Emma');
  await openTile(page, 'Timeavtaler');
  await clickAndLoad(page, page.locator('main').getByRole('link', { name: 'Bestill time' }));
  assert.equal(new URL(page.url()).pathname, '/booking');
  const free = await gpSection(page).getByRole('button').count();
  assert.ok(free >= 8, `the GP offers free times (${free})`);

  // The furthest time ahead, well before any cancellation deadline.
  const when = await lastGpTime(page);
  await clickAndLoad(page, gpSection(page).getByRole('button').last());
  assert.equal(new URL(page.url()).pathname, '/booking');
  assert.match(await mainText(page), /Timen er bestilt\./);
  assert.equal(await gpSection(page).getByRole('button').count(), free - 1);

  // Move it: from its page to the booking page in "move" mode, to the last free time.
  await openAppointmentAt(page, when);
  await clickAndLoad(page, page.locator('main').getByRole('link', { name: 'Endre tid' }));
  assert.match(await mainText(page), /Den gamle timen avbestilles i samme øyeblikk/);
  const newWhen = await lastGpTime(page);
  await clickAndLoad(page, gpSection(page).getByRole('button', { name: /^Flytt til / }).last());
  assert.match(await mainText(page), /Timen er flyttet\./);
  assert.equal(await gpSection(page).getByRole('button').count(), free - 1, 'the old time is free again');

  // Cancel it from its page, with a reason.
  await openAppointmentAt(page, newWhen);
  await page.getByLabel('Grunn (valgfritt)').fill('Emma er frisk igjen');
  await clickAndLoad(page, page.getByRole('button', { name: 'Avbestill timen' }));
  assert.match(await mainText(page), /Timen er avbestilt\./);
  assert.equal(await gpSection(page).getByRole('button').count(), free);
  assert.equal(await page.locator('script').count(), 0);
});

test('the booking page passes axe', async () => {
  const page = await portal.loginAs('Ingrid', { bypassCSP: true });
  await actFor(page, 'Emma');
  await page.goto('/booking');
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    TAGS,
  );
  assert.ok(result.passes.length > 0, 'axe checked something');
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help}`), []);
});
