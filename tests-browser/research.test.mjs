// Research consent in a real browser (issue 6 § 6): a research system registers a
// study through the FHIR API with its own token; Ingrid opens "Forskning" for Emma (8)
// from the home page, consents and withdraws by clicking the portal's own buttons,
// and after each click the study's system is let in (200) or refused at once (404).
// The page passes axe (WCAG 2.1 A/AA, serious and critical fail).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { actFor, clickAndLoad, mainText, openTile, usePortal } from './lib/browser.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const portal = usePortal();
/** A research organisation that is not one of the demo's (valid control digit). */
const RESEARCH_ORG = '999888771';
const TITLE = 'Barnehjertestudien';
/** One of Emma's demo results, produced by the hospital, not by the study. */
const EMMA_OBS = '/fhir/Observation/obs-child-8-throat-culture';

async function researchToken() {
  const r = await fetch(`${portal.url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'system', client_id: 'research-browser', orgnr: RESEARCH_ORG, scope: 'system/*.read system/*.write' }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).access_token;
}

async function fhir(token, method, path, body) {
  const r = await fetch(`${portal.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: body && JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/** The study's section of the page ("Samtykker som gjelder nå" or the open list). */
function given(page) {
  return page.locator('section.research-given');
}

test('Ingrid consents for Emma and withdraws; the study is let in and shut out at once', async () => {
  const token = await researchToken();
  const created = await fhir(token, 'POST', '/fhir/ResearchStudy', {
    resourceType: 'ResearchStudy', status: 'active', title: TITLE,
    description: 'Jeg samtykker til at Barnehjertestudien bruker prøvesvar fra journalen.',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await fhir(token, 'GET', EMMA_OBS)).status, 404, 'no consent yet');

  const page = await portal.loginAs('Ingrid');
  await actFor(page, 'Emma');
  await openTile(page, 'Forskning');
  assert.equal(new URL(page.url()).pathname, '/research');
  assert.match(await mainText(page), /bruker prøvesvar fra journalen/);
  assert.equal(await given(page).locator('h3', { hasText: TITLE }).count(), 0);

  await clickAndLoad(page, page.getByRole('button', { name: 'Samtykk', exact: true }));
  assert.match(await mainText(page), /Samtykket er registrert\./);
  assert.equal(await given(page).locator('h3', { hasText: TITLE }).count(), 1);
  assert.equal((await fhir(token, 'GET', EMMA_OBS)).status, 200, 'the study reads Emma\'s result');

  await clickAndLoad(page, given(page).getByRole('button', { name: 'Trekk samtykket' }));
  assert.match(await mainText(page), /Samtykket er trukket\. Studien har ikke lenger tilgang\./);
  assert.equal(await given(page).locator('h3', { hasText: TITLE }).count(), 0);
  assert.equal((await fhir(token, 'GET', EMMA_OBS)).status, 404, 'shut out at once');
  const subjects = await fhir(token, 'GET', `/fhir/ResearchSubject?study=ResearchStudy/${created.body.id}`);
  assert.deepEqual(subjects.body.entry.map((e) => [e.resource.individual.reference, e.resource.status]), [['Patient/child-8', 'withdrawn']]);
  assert.equal(await page.locator('script').count(), 0);
});

test('the research page passes axe', async () => {
  const page = await portal.loginAs('Ingrid', { bypassCSP: true });
  await actFor(page, 'Emma');
  await page.goto('/research');
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    TAGS,
  );
  assert.ok(result.passes.length > 0, 'axe checked something');
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help}`), []);
});
