// The shared care plan edited from both sides in a real browser (issue 6 § 3): Ola
// changes his own goal in the portal, his hospital doctor changes a measure in the
// workspace, each sees the other's change and the history; when Ola saves over a plan
// the doctor changed after Ola opened it, the portal says so instead of overwriting.
// Ola shares the plan with the team from the plan page; the doctor proposes a hand-over,
// which Ola's plan page then shows; Ola withdraws the consent again.
// No script on any page; both pages pass axe (WCAG 2.1 A/AA, serious and critical fail).
//
// The plan is made over the FHIR API with the doctor's own (dev-issuer) token, as the
// hospital's record system would, so the test does not depend on the demo's plans.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { clickAndLoad, mainText, openTile, textOf, usePortal } from './lib/browser.mjs';
import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';
import { REPO_ROOT } from './lib/server.mjs';

const portal = usePortal();
const locale = (crate) => JSON.parse(readFileSync(join(REPO_ROOT, `crates/${crate}/locales/nb.json`), 'utf8'));
const w = locale('workspace');
const p = locale('portal');

const FNR = 'urn:oid:2.16.578.1.12.4.1.4.1';
const ORGNR = 'urn:oid:2.16.578.1.12.4.1.4.101';
/** Overlege Thomas Lie, medisinsk poliklinikk (UNN): Ola's hospital doctor. */
const MED_DOCTOR = 'Overlege Thomas Lie';
const TITLE = 'Delt behandlingsplan: diabetes';

async function fhir(token, method, path, body) {
  const r = await fetch(`${portal.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: body && JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/** The doctor logged in to the workspace (from the directory), with HPR and orgnr. */
async function doctor() {
  const page = await portal.page(AXE_CONTEXT);
  await page.goto('/clinician/login');
  const row = page.locator('table.staff tbody tr').filter({ has: page.getByRole('cell', { name: MED_DOCTOR, exact: true }) });
  await clickAndLoad(page, row.getByRole('button', { name: w['login.submit'], exact: true }));
  const who = (await textOf(page, 'header .who')).replace(/\s+/g, ' ');
  const hpr = who.match(/HPR-nr\. (\d+)/)[1];
  const orgnr = who.match(/\((\d{9})\)\s*$/)[1];
  return { page, hpr, orgnr };
}

/** Opens Ola in the workspace for treatment. */
async function openOla(page) {
  await page.goto('/clinician');
  await page.getByLabel(w['find.query'], { exact: true }).fill(portal.pid('Ola'));
  await page.getByLabel(w['purpose.TREAT'], { exact: true }).check();
  await clickAndLoad(page, page.getByRole('button', { name: w['find.submit'], exact: true }));
  const open = `${w['find.open']} (${w['purpose.TREAT']})`;
  await clickAndLoad(page, page.getByRole('button', { name: open, exact: true }));
  assert.equal(new URL(page.url()).pathname, '/clinician/patient');
}

/** Ola's plan page in the portal. */
async function olasPlan(page) {
  await openTile(page, p['tile.careplan']);
  await clickAndLoad(page, page.locator('main a[href^="/tiles/careplan/"]', { hasText: TITLE }));
}

test('Ola edits his goal, the doctor a measure; each sees the other; a stale save is refused', async () => {
  const axeOn = axeCollector();
  const doc = await doctor();
  const tokenResp = await fetch(`${portal.url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'practitioner', hpr: doc.hpr, orgnr: doc.orgnr, purpose: 'TREAT' }),
  });
  assert.equal(tokenResp.status, 200);
  const token = (await tokenResp.json()).access_token;
  const found = await fhir(token, 'GET', `/fhir/Patient?identifier=${encodeURIComponent(`${FNR}|${portal.pid('Ola')}`)}`);
  assert.equal(found.status, 200);
  const ola = `Patient/${found.body.entry[0].resource.id}`;
  const org = { identifier: { system: ORGNR, value: doc.orgnr } };
  const created = await fhir(token, 'POST', '/fhir/CarePlan', {
    resourceType: 'CarePlan', status: 'active', intent: 'plan', title: TITLE,
    description: 'Godt regulert diabetes, hjemme', subject: { reference: ola }, author: org, contributor: [org],
    contained: [{ resourceType: 'Goal', id: 'g1', lifecycleStatus: 'active', description: { text: 'Gå tur med hunden' },
      subject: { reference: ola }, expressedBy: { reference: ola } }],
    goal: [{ reference: '#g1' }],
    activity: [
      { detail: { status: 'in-progress', description: 'Måle blodsukker morgen og kveld', performer: [org] } },
      { detail: { status: 'in-progress', description: 'Gå 30 minutter hver dag', performer: [{ reference: ola }] } },
    ],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  // Ola changes his goal in the portal.
  const olaPage = await portal.loginAs('Ola', AXE_CONTEXT);
  await olasPlan(olaPage);
  assert.match(await mainText(olaPage), /Måle blodsukker morgen og kveld/);
  await olaPage.getByLabel(p['careplan.edit.goal'], { exact: true }).fill('Gå tur med hunden to ganger om dagen');
  await clickAndLoad(olaPage, olaPage.getByRole('button', { name: p['careplan.edit.save'], exact: true }));
  assert.match(await mainText(olaPage), new RegExp(p['careplan.saved']));
  assert.match(await mainText(olaPage), /Gå tur med hunden to ganger om dagen/);
  await axeOn.check(olaPage, 'portal care plan');

  // The doctor sees it and changes a measure (Ola's page still holds version 2).
  await openOla(doc.page);
  await clickAndLoad(doc.page, doc.page.getByRole('link', { name: w['careplan.open'], exact: true }));
  assert.equal(new URL(doc.page.url()).pathname, '/clinician/careplan');
  assert.match(await mainText(doc.page), /Gå tur med hunden to ganger om dagen/);
  await doc.page.locator('input[name="measure:0"]').fill('Måle blodsukker tre ganger daglig');
  await clickAndLoad(doc.page, doc.page.getByRole('button', { name: w['careplan.save'], exact: true }));
  assert.match(await mainText(doc.page), new RegExp(w['careplan.saved']));
  assert.equal(await doc.page.locator('main table tbody tr').count(), 3, 'created, Ola, the doctor');
  await axeOn.check(doc.page, 'workspace care plan');

  // Ola saves from the page he had open: refused, shown the plan as it is now.
  await olaPage.getByLabel(p['careplan.edit.new-goal'], { exact: true }).fill('Sove bedre');
  await clickAndLoad(olaPage, olaPage.getByRole('button', { name: p['careplan.edit.save'], exact: true }));
  const stale = await mainText(olaPage);
  assert.match(stale, /Planen er endret av noen andre, se endringene/);
  assert.match(stale, /Måle blodsukker tre ganger daglig/);
  assert.doesNotMatch(stale, /Sove bedre/);
  assert.equal(await olaPage.locator('section.history tbody tr').count(), 3);
  // Again, on the plan as it is now: saved.
  await olaPage.getByLabel(p['careplan.edit.new-goal'], { exact: true }).fill('Sove bedre');
  await clickAndLoad(olaPage, olaPage.getByRole('button', { name: p['careplan.edit.save'], exact: true }));
  assert.match(await mainText(olaPage), new RegExp(p['careplan.saved']));
  assert.equal(await olaPage.locator('section.history tbody tr').count(), 4);
  assert.equal(await olaPage.locator('script').count(), 0);

  await doc.page.goto('/clinician/careplan');
  assert.match(await mainText(doc.page), /Sove bedre/);
  assert.equal(await doc.page.locator('script').count(), 0);

  // Ola shares the plan with the team from the plan page (the consent in force; a
  // hand-over needs the receiver to see the plan).
  assert.match(await mainText(olaPage), new RegExp(p['careplan.sharing.off']));
  await clickAndLoad(olaPage, olaPage.getByRole('button', { name: p['settings.careplan-sharing-submit'], exact: true }));
  assert.match(new URL(olaPage.url()).pathname, /^\/tiles\/careplan\//);
  const shared = await mainText(olaPage);
  assert.match(shared, new RegExp(p['settings.careplan-sharing-given']));
  assert.match(shared, new RegExp(p['careplan.sharing.on']));
  await axeOn.check(olaPage, 'portal care plan, shared');

  // The responsible doctor proposes a hand-over to the GP's organisation: a Task in
  // that organisation's inbox, shown as waiting on the plan page.
  await doc.page.getByLabel(w['careplan.handover.to'], { exact: true }).fill('974760673');
  await clickAndLoad(doc.page, doc.page.getByRole('button', { name: w['careplan.handover.propose'], exact: true }));
  const after = await mainText(doc.page);
  assert.match(after, new RegExp(w['careplan.handover.sent']));
  assert.match(after, new RegExp(`${w['careplan.handover.pending']}: ${doc.orgnr} → 974760673`));

  // Ola sees the proposed hand-over, and withdraws the sharing consent.
  await olaPage.reload();
  const withHandover = await mainText(olaPage);
  assert.match(withHandover, new RegExp(p['careplan.handover.proposed'].split('{org}')[0]));
  assert.match(withHandover, new RegExp(p['careplan.sharing.on']));
  await clickAndLoad(olaPage, olaPage.getByRole('button', { name: p['careplan.sharing.withdraw'], exact: true }));
  const withdrawn = await mainText(olaPage);
  assert.match(withdrawn, new RegExp(p['settings.careplan-sharing-withdrawn']));
  assert.match(withdrawn, new RegExp(p['careplan.sharing.off']));
  assert.equal(await olaPage.locator('script').count(), 0);
  axeOn.finish(3);
});
