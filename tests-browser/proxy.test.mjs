// Acting for another adult or a child one is not the parent of: a full proxy (Ola
// for his father Nils), a foster parent (Marit for Sara) and a guardian (Anne for
// Per). Demo data: crates/synth/src/demo/pedersen.rs, others.rs.
//
// Why in the browser: the chooser in the header is how a person gets to someone
// else's record; it must list exactly whom the relations allow and switch for real.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { actFor, chooserOptions, clickAndLoad, itemTitles, mainText, openTile, usePortal } from './lib/browser.mjs';

const portal = usePortal();

test('Ola sees his father Nils (full proxy) and his care plan and home measurements', async () => {
  const page = await portal.loginAs('Ola');
  const people = await chooserOptions(page);
  assert.deepEqual(people, ['Ola Pedersen (41 år), deg selv', 'Nils Pedersen (80 år), fullmakt']);
  await actFor(page, 'Nils');

  const tiles = await page.locator('main').getByRole('link').allInnerTexts();
  assert.ok(tiles.includes('Behandlingsplan'), JSON.stringify(tiles));
  assert.ok(tiles.includes('Hjemmemålinger'), JSON.stringify(tiles));

  await openTile(page, 'Behandlingsplan');
  assert.ok((await itemTitles(page)).includes('Behandlings- og egenbehandlingsplan'), await mainText(page));
  // The plan with its goals (on the list or the plan's own page).
  await clickAndLoad(page, page.locator('main').getByRole('link', { name: 'Behandlings- og egenbehandlingsplan' }));
  const plan = await mainText(page);
  assert.ok(plan.includes('å gå tur til båthavna og fiske med barnebarna'), plan);
  assert.ok(plan.includes('Veie meg hver morgen og sende målingen'), plan);

  await openTile(page, 'Hjemmemålinger');
  const measured = await mainText(page);
  assert.match(measured, /Oksygenmetning/, measured);
  // Weight and oxygen saturation every day: shown as items, a table or a chart.
  const shown = (await itemTitles(page)).length
    + (await page.locator('main svg, main table').count());
  assert.ok(shown > 0, 'the measurements are shown');
});

test('Ola\'s own record is his, not his father\'s', async () => {
  const page = await portal.loginAs('Ola');
  await openTile(page, 'Journaldokumenter');
  const titles = await itemTitles(page);
  assert.ok(titles.includes('Konsultasjon: diabeteskontroll'), JSON.stringify(titles));
});

test('Marit sees her foster child Sara and nobody else', async () => {
  const page = await portal.loginAs('Marit');
  assert.deepEqual(await chooserOptions(page), ['Sara Mathisen (10 år), fosterbarnet ditt']);
  // Marit has no record of her own, so the portal starts with Sara.
  assert.match(await mainText(page), /Du ser tjenestene for Sara/);
  await openTile(page, 'Journaldokumenter');
  assert.ok((await itemTitles(page)).includes('Konsultasjon: eksem'));
});

test('Anne sees Per as his guardian', async () => {
  const page = await portal.loginAs('Anne');
  assert.deepEqual(await chooserOptions(page), ['Per Olsen (29 år), du er verge']);
  assert.match(await mainText(page), /Du ser tjenestene for Per/);
  await openTile(page, 'Journaldokumenter');
  assert.ok((await itemTitles(page)).includes('Årskontroll epilepsi'));
});

test('Line, birth mother of Sara without access, has nobody to act for', async () => {
  const page = await portal.loginAs('Line');
  assert.deepEqual(await chooserOptions(page), []);
  assert.match(await mainText(page), /Ingen journal å vise/);
  assert.ok(!(await mainText(page)).includes('Sara'));
});
