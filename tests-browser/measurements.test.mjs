// Home measurements in a real browser (issue 6 § 4): Ola's hospital doctor sets a
// threshold for Ola's systolic blood pressure in the workspace, a home-monitoring hub
// posts readings in one Bundle over the FHIR API, one crosses the line: the doctor sees
// the chart with the band and the alarm Task is in the unit's inbox; Ola sees his
// readings in the portal. No script; axe on the workspace page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { clickAndLoad, mainText, textOf, usePortal } from './lib/browser.mjs';
import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';
import { REPO_ROOT } from './lib/server.mjs';

const portal = usePortal();
const w = JSON.parse(readFileSync(join(REPO_ROOT, 'crates/workspace/locales/nb.json'), 'utf8'));
const FNR = 'urn:oid:2.16.578.1.12.4.1.4.1';
const MED_DOCTOR = 'Overlege Thomas Lie';
/** The hub operator's organisation (valid control digit, not one of the demo's). */
const HUB_ORG = '889640782';
const LOINC = 'http://loinc.org';

async function token(body) {
  const r = await fetch(`${portal.url}/dev/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 200);
  return (await r.json()).access_token;
}

async function fhir(tok, method, path, body) {
  const r = await fetch(`${portal.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/fhir+json' },
    body: body && JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

function bp(patient, device, minutesAgo, sys) {
  const code = (c) => ({ coding: [{ system: LOINC, code: c }] });
  return {
    resourceType: 'Observation', status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: code('85354-9'), subject: { reference: patient }, device: { reference: device },
    effectiveDateTime: new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    component: [
      { code: code('8480-6'), valueQuantity: { value: sys, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      { code: code('8462-4'), valueQuantity: { value: 80, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
    ],
  };
}

test('a threshold set in the workspace turns a crossing into one inbox Task; charts show the band', async () => {
  const axeOn = axeCollector();
  const page = await portal.page(AXE_CONTEXT);
  await page.goto('/clinician/login');
  const row = page.locator('table.staff tbody tr').filter({ has: page.getByRole('cell', { name: MED_DOCTOR, exact: true }) });
  await clickAndLoad(page, row.getByRole('button', { name: w['login.submit'], exact: true }));
  const who = (await textOf(page, 'header .who')).replace(/\s+/g, ' ');
  const orgnr = who.match(/\((\d{9})\)\s*$/)[1];
  const hpr = who.match(/HPR-nr\. (\d+)/)[1];

  await page.getByLabel(w['find.query'], { exact: true }).fill(portal.pid('Ola'));
  await page.getByLabel(w['purpose.TREAT'], { exact: true }).check();
  await clickAndLoad(page, page.getByRole('button', { name: w['find.submit'], exact: true }));
  await clickAndLoad(page, page.getByRole('button', { name: `${w['find.open']} (${w['purpose.TREAT']})`, exact: true }));
  await clickAndLoad(page, page.getByRole('link', { name: w['measure.open'], exact: true }));
  assert.equal(new URL(page.url()).pathname, '/clinician/measurements');
  await page.getByLabel(w['measure.quantity'], { exact: true }).selectOption('8480-6');
  await page.getByLabel(w['measure.high'], { exact: true }).fill('160');
  await clickAndLoad(page, page.getByRole('button', { name: w['measure.save'], exact: true }));
  assert.match(await mainText(page), new RegExp(w['measure.saved']));

  const doctorToken = await token({ kind: 'practitioner', hpr, orgnr, purpose: 'TREAT' });
  const found = await fhir(doctorToken, 'GET', `/fhir/Patient?identifier=${encodeURIComponent(`${FNR}|${portal.pid('Ola')}`)}`);
  const ola = `Patient/${found.body.entry[0].resource.id}`;
  const hub = await token({ kind: 'system', client_id: 'dho-hub', orgnr: HUB_ORG, scope: 'system/*.read system/*.write' });
  const dev = await fhir(hub, 'POST', '/fhir/Device', { resourceType: 'Device', status: 'active', patient: { reference: ola } });
  assert.equal(dev.status, 201, JSON.stringify(dev.body));
  const device = `Device/${dev.body.id}`;
  const readings = [[50, 142], [40, 151], [30, 190], [20, 171], [10, 148]].map(([m, s]) => bp(ola, device, m, s));
  const bundle = {
    resourceType: 'Bundle', type: 'transaction',
    entry: readings.map((r) => ({ resource: r, request: { method: 'POST', url: 'Observation' } })),
  };
  const posted = await fhir(hub, 'POST', '/fhir', bundle);
  assert.equal(posted.status, 200, JSON.stringify(posted.body));

  const tasks = await fhir(doctorToken, 'GET', `/fhir/Task?patient=${ola}&code=https://nordlys.no/fhir/CodeSystem/task-kind|measurement-threshold`);
  assert.equal(tasks.body.total, 1, JSON.stringify(tasks.body));
  assert.equal(tasks.body.entry[0].resource.priority, 'urgent');
  assert.equal(tasks.body.entry[0].resource.owner.identifier.value, orgnr);

  await page.goto('/clinician/measurements');
  const systolic = page.locator('section.measure', { hasText: w['measure.8480-6'] });
  assert.equal(await systolic.locator('svg.chart rect.band').count(), 1);
  assert.match(await systolic.innerText(), /≤ 160/);
  assert.equal(await page.locator('script').count(), 0);
  await axeOn.check(page, 'workspace measurements');
  axeOn.finish(1);
});
