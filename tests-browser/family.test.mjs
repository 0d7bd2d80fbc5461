// A mother and her three children (crates/synth/src/demo/family.rs, kari.rs): what
// each of them sees in the browser, by the age rules of pasient- og
// brukerrettighetsloven § 3-4 as the policy applies them.
//
// Why these exact lists: the portal shows only what the store answers the
// citizen's own token, so a wrong item here is a leak (or a loss) the citizen would
// see. Titles, not markup, are compared, so the tiles may grow richer.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { actFor, chooserOptions, itemTitles, mainText, openTile, usePortal } from './lib/browser.mjs';

const portal = usePortal();

/** Kari's documents about child psychiatry (BUP), and the GP note that referred her. */
const KARI_BUP_DOCS = [
  'Poliklinisk notat BUP: første samtale',
  'Samtale med Kari alene',
  'Kartlegging: spørreskjema (PDF)',
];
const KARI_AFTER_12_GP = 'Konsultasjon: hodepine og søvnvansker';
const PARENTS_12_16 =
  'Foreldre til barn mellom 12 og 16 år ser dette først når behandlingsstedet har åpnet for det.';

describe('Ingrid, mother of Emma (8), Kari (13) and Jonas (17)', () => {
  test('her chooser has herself, Kari and Emma, and not Jonas (16+)', async () => {
    const page = await portal.loginAs('Ingrid');
    const people = await chooserOptions(page);
    assert.equal(people.length, 3, JSON.stringify(people));
    assert.match(people[0], /^Ingrid Nilsen \(44 år\), deg selv$/);
    assert.ok(people.some((p) => /^Kari Nilsen \(13 år\), barnet ditt$/.test(p)), JSON.stringify(people));
    assert.ok(people.some((p) => /^Emma Nilsen \(8 år\), barnet ditt$/.test(p)), JSON.stringify(people));
    assert.ok(!people.some((p) => p.includes('Jonas')), JSON.stringify(people));
    assert.match(await mainText(page), /Du ser tjenestene for Ingrid Nilsen/);
  });

  test('acting for Kari (13): journal documents opened for parents and from before 12, not BUP', async () => {
    const page = await portal.loginAs('Ingrid');
    await actFor(page, 'Kari');
    await openTile(page, 'Journaldokumenter');
    const titles = await itemTitles(page);
    assert.deepEqual(
      [...titles].sort(),
      [
        // Opened for both parents by the ward (parent-access grant on the asthma referral).
        'Poliklinisk notat: astma',
        // From before her 12th birthday; the oldest predates electronic access.
        'Konsultasjon: øreverk',
        'Helsestasjon: 4-årskontroll',
      ].sort(),
    );
    const text = await mainText(page);
    for (const hidden of [...KARI_BUP_DOCS, KARI_AFTER_12_GP]) {
      assert.ok(!text.includes(hidden), `"${hidden}" must not be shown to her mother`);
    }
    assert.ok(!/BUP/i.test(text), 'no trace of child psychiatry on the page');
    const notice = await page.locator('main [role="note"]').allInnerTexts();
    assert.ok(notice.some((n) => n.includes(PARENTS_12_16)), JSON.stringify(notice));
  });

  test('acting for Kari (13): referrals show the asthma referral only, no BUP referral', async () => {
    const page = await portal.loginAs('Ingrid');
    await actFor(page, 'Kari');
    await openTile(page, 'Henvisninger');
    assert.deepEqual(await itemTitles(page), ['Henvisning til barneavdelingen: astma']);
    const text = await mainText(page);
    assert.ok(!/BUP|somatisk utredning/.test(text), text);
    assert.ok(text.includes(PARENTS_12_16), text);
  });

  test('acting for Kari (13): letters show the asthma answer only', async () => {
    const page = await portal.loginAs('Ingrid');
    await actFor(page, 'Kari');
    await openTile(page, 'Brev');
    assert.deepEqual(await itemTitles(page), ['Svar på henvisning: astma']);
    assert.ok(!(await mainText(page)).includes('BUP'));
  });

  test('acting for Kari (13): the asthma note opens with its text', async () => {
    const page = await portal.loginAs('Ingrid');
    await actFor(page, 'Kari');
    await openTile(page, 'Journaldokumenter');
    await page.locator('main').getByRole('link', { name: 'Poliklinisk notat: astma' }).click();
    await page.waitForLoadState();
    assert.equal(await page.locator('h1').innerText(), 'Poliklinisk notat: astma');
    assert.match(await mainText(page), /anstrengelsesutløst astma/);
  });

  test('acting for Emma (8): everything of Emma\'s', async () => {
    const page = await portal.loginAs('Ingrid');
    await actFor(page, 'Emma');
    await openTile(page, 'Journaldokumenter');
    assert.deepEqual(await itemTitles(page), ['Konsultasjon: sår hals og feber']);
    assert.equal((await page.locator('main [role="note"]').count()), 0, 'no notice: nothing is held back');
    await openTile(page, 'Vaksiner');
    assert.equal((await itemTitles(page)).length, 5, 'five vaccinations');
    await openTile(page, 'Legemidler');
    const meds = await itemTitles(page);
    assert.equal(meds.length, 1, JSON.stringify(meds));
    assert.match(meds[0], /penicillin/i);
    await openTile(page, 'Prøvesvar');
    assert.ok((await itemTitles(page)).length >= 1, 'the throat culture');
    await openTile(page, 'Timeavtaler');
    assert.ok((await itemTitles(page)).length >= 1, 'the follow-up at the GP');
  });
});

describe('Kari (13) herself', () => {
  test('sees her BUP documents at metadata level ("Bare oversikt")', async () => {
    const page = await portal.loginAs('Kari');
    const people = await chooserOptions(page);
    assert.deepEqual(people, ['Kari Nilsen (13 år), deg selv']);
    await openTile(page, 'Journaldokumenter');
    const titles = await itemTitles(page);
    for (const t of [...KARI_BUP_DOCS, KARI_AFTER_12_GP, 'Poliklinisk notat: astma']) {
      assert.ok(titles.includes(t), `${t} in ${JSON.stringify(titles)}`);
    }
    for (const t of KARI_BUP_DOCS) {
      const row = page.locator('main li', {
        has: page.getByRole('link', { name: t, exact: true }),
      });
      assert.match(await row.first().innerText(), /Bare oversikt/, t);
    }
    // Metadata level: the detail page says so and shows no content.
    await page.locator('main').getByRole('link', { name: 'Samtale med Kari alene', exact: true }).click();
    await page.waitForLoadState();
    const text = await mainText(page);
    assert.match(text, /Du kan se at dette finnes, men ikke innholdet\./);
    assert.ok(!text.includes('Nektet innsyn'), 'the note\'s content is not shown');
  });

  test('sees the BUP referral, not yet the onward referral (inside the deferral)', async () => {
    const page = await portal.loginAs('Kari');
    await openTile(page, 'Henvisninger');
    const titles = await itemTitles(page);
    assert.ok(titles.includes('Henvisning til BUP: utredning'), JSON.stringify(titles));
    assert.ok(titles.includes('Henvisning til barneavdelingen: astma'), JSON.stringify(titles));
    assert.ok(!titles.some((t) => t.includes('somatisk utredning')), JSON.stringify(titles));
  });
});

describe('Jonas (17)', () => {
  test('acts only for himself', async () => {
    const page = await portal.loginAs('Jonas');
    assert.deepEqual(await chooserOptions(page), ['Jonas Nilsen (17 år), deg selv']);
    await openTile(page, 'Journaldokumenter');
    assert.deepEqual(await itemTitles(page), ['Legevakt: skade høyre håndledd']);
  });
});
