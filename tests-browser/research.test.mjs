// Research consent in a real browser (issue 6 § 6): a research system registers a
// study through the FHIR API with its own token; Ingrid opens "Forskning" for Emma (8)
// from the home page, consents and withdraws by clicking the portal's own buttons,
// and after each click the study's system is let in (200) or refused at once (404).
// A study's questionnaire is refused before the consent and, after it, Ingrid finds it
// under "Skjema", fills it in and the study reads the answer in its inbox.
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

test('a study sends Emma a questionnaire only after Ingrid consents; Ingrid fills it in', async () => {
  const token = await researchToken();
  const title = 'Aktivitetsstudien';
  const created = await fhir(token, 'POST', '/fhir/ResearchStudy', {
    resourceType: 'ResearchStudy', status: 'active', title,
    description: 'Jeg samtykker til at Aktivitetsstudien sender meg spørreskjema.',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const org = { resourceType: 'Organization', id: 'aktivitet', name: 'Aktivitetsstudien',
    identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: RESEARCH_ORG }] };
  assert.equal((await fhir(token, 'PUT', '/fhir/Organization/aktivitet', org)).status, 201);
  const form = { resourceType: 'Questionnaire', id: 'aktivitet-skjema', status: 'active',
    url: 'https://nordlys.no/fhir/Questionnaire/aktivitet-skjema', version: '1',
    title: 'Spørreskjema fra Aktivitetsstudien',
    item: [
      { linkId: 'often', type: 'choice', text: 'Hvor ofte er barnet fysisk aktivt?', required: true,
        answerOption: [{ valueCoding: { code: 'daily', display: 'Hver dag' } }, { valueCoding: { code: 'weekly', display: 'Hver uke' } }] },
      { linkId: 'note', type: 'text', text: 'Noe du vil fortelle studien?' },
    ] };
  assert.equal((await fhir(token, 'PUT', '/fhir/Questionnaire/aktivitet-skjema', form)).status, 201);
  const request = { resourceType: 'Task', id: 'aktivitet-req', status: 'requested', intent: 'order', priority: 'routine',
    code: { coding: [{ system: 'https://nordlys.no/fhir/CodeSystem/task-kind', code: 'form-request' }], text: 'Skjema å fylle ut' },
    for: { reference: 'Patient/child-8' }, focus: { reference: 'Questionnaire/aktivitet-skjema' },
    basedOn: [{ reference: `ResearchStudy/${created.body.id}` }],
    owner: { reference: 'Organization/aktivitet', identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: RESEARCH_ORG } },
    requester: { reference: 'Organization/aktivitet' }, authoredOn: new Date().toISOString() };
  const early = await fhir(token, 'PUT', '/fhir/Task/aktivitet-req', request);
  assert.equal(early.status, 422, 'no consent yet: ' + JSON.stringify(early.body));

  const page = await portal.loginAs('Ingrid');
  await actFor(page, 'Emma');
  await openTile(page, 'Forskning');
  const study = page.locator('li.study', { hasText: title });
  await clickAndLoad(page, study.getByRole('button', { name: 'Samtykk', exact: true }));
  assert.match(await mainText(page), /Samtykket er registrert\./);
  assert.equal((await fhir(token, 'PUT', '/fhir/Task/aktivitet-req', request)).status, 201);

  await openTile(page, 'Skjema');
  const asked = page.locator('section.forms-offer', { hasText: 'bedt om' }).getByRole('link', { name: /Spørreskjema fra Aktivitetsstudien/ });
  await clickAndLoad(page, asked);
  assert.equal(await page.locator('h1').innerText(), 'Spørreskjema fra Aktivitetsstudien');
  await page.getByLabel('Hver dag').check();
  await page.getByLabel('Noe du vil fortelle studien?').fill('Hun sykler til skolen.');
  await clickAndLoad(page, page.getByRole('button', { name: 'Send skjemaet' }));
  assert.match(new URL(page.url()).pathname, /^\/forms\/sent\//);
  assert.match(await mainText(page), /Skjemaet er sendt/);

  const answers = await fhir(token, 'GET', '/fhir/QuestionnaireResponse?subject=Patient/child-8&status=completed');
  assert.equal(answers.status, 200);
  assert.deepEqual(answers.body.entry.map((e) => e.resource.item.map((i) => i.linkId)), [['often', 'note']]);
  const inbox = await fhir(token, 'GET', '/fhir/Task?owner=Organization/aktivitet&code=https://nordlys.no/fhir/CodeSystem/task-kind|form-answer');
  assert.deepEqual(inbox.body.entry.map((e) => e.resource.basedOn[0].reference), ['Task/aktivitet-req']);
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
