// The clinician workspace at /clinician (crates/workspace, docs/workspace.md), driven
// like a clinician does: log in from the directory list, find a patient with a
// purpose, read the overview's "what the family sees" column, and open, release and
// label items — with the effect checked in the citizen portal, in another browser
// context, as the mother or the patient sees it.
//
// Why in the browser as well as over HTTP (crates/workspace/tests): the forms must
// send what a clinician ticks (purpose radios, the conversation checkbox, a label
// chosen in a select), and the refusals and the emergency banner are what the
// clinician has to go by. Expected words come from the workspace's and the portal's
// locale files; the demo's titles and names are compared exactly.
//
// The tests share one demo server and run in order: the mother's access to the BUP
// referral opened in one test is revoked in a later one, and each other change is
// undone where it is made (the label, the emergency lock).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { actFor, clickAndLoad, itemTitles, mainText, openTile, textOf, usePortal } from './lib/browser.mjs';
import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';
import { REPO_ROOT } from './lib/server.mjs';

const portal = usePortal();
const locale = (crate) => JSON.parse(readFileSync(join(REPO_ROOT, `crates/${crate}/locales/nb.json`), 'utf8'));
const w = locale('workspace');
const p = locale('portal');

const fill = (template, values) => Object.entries(values).reduce((s, [k, v]) => s.replace(`{${k}}`, v), template);

/** Overlege Erik Strand, BUP Tromsø (UNN). */
const BUP_DOCTOR = 'Overlege Erik Strand';
/** Overlege Thomas Lie, medisinsk poliklinikk (UNN): Ola's hospital doctor. */
const MED_DOCTOR = 'Overlege Thomas Lie';
/** Fastlege Jon Karlsen, Bodø: no care relationship to Kari. */
const BODO_GP = 'Fastlege Jon Karlsen';
const BUP_REFERRAL = 'Henvisning til BUP: utredning';
const ASTHMA_REFERRAL = 'Henvisning til barneavdelingen: astma';
const ASTHMA_NOTE = 'Poliklinisk notat: astma';
const PARENTS_CLOSED = 'Lars Nilsen (forelder): stengt: 12–16-regelen (ikke åpnet) · '
  + 'Ingrid Nilsen (forelder): stengt: 12–16-regelen (ikke åpnet)';
const PARENTS_OPENED = 'Lars Nilsen (forelder): åpent: henvisningen er åpnet for foreldre · '
  + 'Ingrid Nilsen (forelder): åpent: henvisningen er åpnet for foreldre';

/** "Kari Nilsen, 2013-07-14 (14871371270)": name, birth date from the pid, pid. */
function patientLabel(name, pid) {
  // Synthetic national ids add 80 to the month (and D-numbers 40 to the day).
  const two = (n) => String(n).padStart(2, '0');
  const [dd, mm, yy] = [Number(pid.slice(0, 2)) % 40, Number(pid.slice(2, 4)) % 40, pid.slice(4, 6)];
  const year = 2000 + Number(yy) > new Date().getFullYear() ? `19${yy}` : `20${yy}`;
  return `${name}, ${year}-${two(mm)}-${two(dd)} (${pid})`;
}

/** A new page, logged in to the workspace by clicking `name`'s row in the directory. */
async function clinician(name, options = {}) {
  const page = await portal.page(options);
  await page.goto('/clinician/login');
  const row = page.locator('table.staff tbody tr')
    .filter({ has: page.getByRole('cell', { name, exact: true }) });
  assert.equal(await row.count(), 1, `${name} is listed once`);
  await clickAndLoad(page, row.getByRole('button', { name: w['login.submit'], exact: true }));
  assert.equal(new URL(page.url()).pathname, '/clinician');
  assert.equal(await textOf(page, 'header .who .name'), name);
  return page;
}

/** Fills the find form and presses "Søk"; `purpose` is a code (TREAT…) or null. */
async function find(page, query, purpose, reason = '') {
  if (new URL(page.url()).pathname !== '/clinician') await page.goto('/clinician');
  await page.getByLabel(w['find.query'], { exact: true }).fill(query);
  if (purpose) await page.getByLabel(w[`purpose.${purpose}`], { exact: true }).check();
  await page.getByLabel(w['find.reason'], { exact: true }).fill(reason);
  await clickAndLoad(page, page.getByRole('button', { name: w['find.submit'], exact: true }));
}

/** The patients found, as shown. */
async function found(page) {
  return (await page.locator('main ul.found li .name').allInnerTexts()).map((s) => s.trim());
}

/** Finds `pid` with `purpose` and opens the one patient found. */
async function openPatient(page, pid, purpose, reason = '') {
  await find(page, pid, purpose, reason);
  assert.equal((await found(page)).length, 1, await mainText(page));
  const open = `${w['find.open']} (${w[`purpose.${purpose}`]})`;
  await clickAndLoad(page, page.getByRole('button', { name: open, exact: true }));
  assert.equal(new URL(page.url()).pathname, '/clinician/patient');
  assert.equal(await textOf(page, 'h1'), w['overview.title']);
}

/** The overview's rows titled `title`: [labels, what the family sees]. */
async function rows(page, title) {
  if (new URL(page.url()).pathname !== '/clinician/patient') await page.goto('/clinician/patient');
  const trs = page.locator('main section.service tbody tr')
    .filter({ has: page.locator('td.title', { hasText: new RegExp(`^${title.replace(/[()]/g, '\\$&')}$`) }) });
  return trs.evaluateAll((els) => els.map((tr) => [
    tr.querySelector('td.labels').textContent.trim(),
    tr.querySelector('td.family').textContent.trim().replace(/\s+/g, ' '),
  ]));
}

/** Opens the access page of the one overview row titled `title`. */
async function openItem(page, title) {
  await page.goto('/clinician/patient');
  const tr = page.locator('main section.service tbody tr')
    .filter({ has: page.locator('td.title').getByText(title, { exact: true }) });
  assert.equal(await tr.count(), 1, `one row ${title}`);
  await clickAndLoad(page, tr.getByRole('link', { name: w['overview.actions'], exact: true }));
  assert.equal(await textOf(page, 'h1'), title);
}

/**
 * The portal's access log as rows of cell texts. Opened by its address: the home
 * page has no link to it (see the report of the commit adding this test).
 */
async function accessLog(page) {
  await page.goto('/tiles/accesslog');
  assert.equal(await textOf(page, 'h1'), p['tile.accesslog']);
  return page.locator('main table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td, th')]
    .map((c) => c.textContent.trim().replace(/\s+/g, ' '))));
}

test('login from the directory: the practitioner, HPR number and unit are shown', async () => {
  const page = await portal.page();
  await page.goto('/clinician/login');
  assert.equal(await page.title(), `${w['login.title']} – ${w['product.name']}`);
  assert.equal(await page.locator('table.staff tbody tr').count(), 12, 'the demo\'s twelve practitioners');
  const doctor = await clinician(BUP_DOCTOR);
  assert.equal(
    (await textOf(doctor, 'header .who')).replace(/\s+/g, ' '),
    'Overlege Erik Strand · HPR-nr. 565501872 · BUP Tromsø (barne- og ungdomspsykiatrisk poliklinikk) (983974899)',
  );
  assert.equal(await textOf(doctor, 'h1'), w['home.title']);
});

test('finding a patient: refused without a purpose; treatment and coordination open the patient', async () => {
  const kari = portal.pid('Kari');
  const doctor = await clinician(BUP_DOCTOR);
  await find(doctor, kari, null);
  assert.equal(await textOf(doctor, 'h1'), w['find.refused']);
  assert.equal(await textOf(doctor, 'main p.refusal'), w['find.need-purpose']);
  // Nothing was opened.
  await doctor.goto('/clinician/patient');
  assert.equal(new URL(doctor.url()).pathname, '/clinician');

  await find(doctor, 'Kari', 'TREAT');
  assert.deepEqual(await found(doctor), [patientLabel('Kari Nilsen', kari)]);
  await openPatient(doctor, kari, 'TREAT');
  assert.equal(
    await textOf(doctor, 'main p.banner'),
    fill(w['banner.patient'], { name: patientLabel('Kari Nilsen', kari), purpose: w['purpose.TREAT'] }),
  );
  assert.equal(await doctor.locator('main .banner.emergency').count(), 0);

  const ola = portal.pid('Ola');
  const med = await clinician(MED_DOCTOR);
  await openPatient(med, ola, 'COC');
  assert.equal(
    await textOf(med, 'main p.banner'),
    fill(w['banner.patient'], { name: patientLabel('Ola Pedersen', ola), purpose: w['purpose.COC'] }),
  );
});

test('emergency access: refused without a reason; with one, the red warning banner', async () => {
  const kari = portal.pid('Kari');
  const gp = await clinician(BODO_GP);
  await find(gp, kari, 'ETREAT');
  assert.equal(await textOf(gp, 'h1'), w['find.refused']);
  assert.equal(await textOf(gp, 'main p.refusal'), w['find.need-reason']);
  await openPatient(gp, kari, 'ETREAT', 'Bevisstløs på legevakten');
  assert.equal(
    (await textOf(gp, 'main .banner.emergency')).replace(/\s+/g, ' '),
    fill(w['banner.emergency'], { name: patientLabel('Kari Nilsen', kari), reason: 'Bevisstløs på legevakten' }),
  );
  // On every page while the patient is open.
  await openItem(gp, BUP_REFERRAL);
  assert.equal(await gp.locator('main .banner.emergency').count(), 1);
});

test('the overview says what Kari and each parent sees of her referrals', async () => {
  const doctor = await clinician(BUP_DOCTOR);
  await openPatient(doctor, portal.pid('Kari'), 'TREAT');
  assert.deepEqual(await rows(doctor, BUP_REFERRAL), [['', `Pasienten: åpent: 12–15 år · ${PARENTS_CLOSED}`]]);
  assert.deepEqual(await rows(doctor, ASTHMA_REFERRAL), [['', `Pasienten: åpent: 12–15 år · ${PARENTS_OPENED}`]]);
  assert.deepEqual(await rows(doctor, ASTHMA_NOTE), [
    ['', `Pasienten: bare at det finnes: 12–15 år: oversikt · ${PARENTS_OPENED}`],
  ]);
});

test('the BUP doctor opens Kari\'s BUP referral for her mother: her portal shows it, Kari\'s log shows both', async () => {
  const mother = await portal.loginAs('Ingrid');
  await actFor(mother, 'Kari');
  await openTile(mother, p['tile.referrals']);
  assert.deepEqual(await itemTitles(mother), [ASTHMA_REFERRAL]);

  const doctor = await clinician(BUP_DOCTOR);
  await openPatient(doctor, portal.pid('Kari'), 'TREAT');
  await openItem(doctor, BUP_REFERRAL);
  const form = doctor.locator('main form[action="/clinician/act/parent-access"]');
  assert.deepEqual(
    (await form.locator('input[name="parent"] + label').allInnerTexts()).map((s) => s.trim()),
    ['Lars Nilsen', 'Ingrid Nilsen'],
  );
  await form.getByLabel('Ingrid Nilsen', { exact: true }).check();
  await form.getByLabel(w['act.level-full'], { exact: true }).check();
  await form.getByLabel(w['act.conversation'], { exact: true }).check();
  await clickAndLoad(doctor, form.getByRole('button', { name: w['act.open-parents'], exact: true }));
  assert.ok((await mainText(doctor)).includes(w['act.saved']), await mainText(doctor));
  assert.deepEqual(await rows(doctor, BUP_REFERRAL), [[
    '',
    'Pasienten: åpent: 12–15 år · Lars Nilsen (forelder): stengt: 12–16-regelen (ikke åpnet) · '
      + 'Ingrid Nilsen (forelder): åpent: henvisningen er åpnet for foreldre',
  ]]);

  await mother.reload();
  assert.deepEqual(await itemTitles(mother), [BUP_REFERRAL, ASTHMA_REFERRAL]);

  const kari = await portal.loginAs('Kari');
  const log = await accessLog(kari);
  const count = (who, what, purpose, behalf) => log
    .filter((r) => r[1] === who && r[4] === what && r[5] === purpose && r[6] === behalf).length;
  assert.equal(count('Erik Strand', 'Registrerte: Personverninnstillinger', 'Behandling', ''), 1, JSON.stringify(log));
  assert.ok(count('Erik Strand', 'Åpnet: Henvisninger', 'Behandling', '') >= 1, JSON.stringify(log));
  // The mother's two looks at the referrals tile, on Kari's behalf.
  assert.equal(count('Ingrid Nilsen', 'Så en oversikt: Henvisninger', '', 'Kari Nilsen'), 2, JSON.stringify(log));
});

test('releasing Ola\'s deferred result shows it on his results tile at once', async () => {
  const ola = await portal.loginAs('Ola');
  await openTile(ola, p['tile.results']);
  const before = await itemTitles(ola);
  assert.equal(before.length, 10, JSON.stringify(before));

  const med = await clinician(MED_DOCTOR);
  await openPatient(med, portal.pid('Ola'), 'TREAT');
  const deferred = med.locator('main section.service tbody tr')
    .filter({ has: med.locator('td.family', { hasText: /^Pasienten: utsatt: til \d\d\.\d\d\.\d{4} \(prøvesvar\)$/ }) });
  assert.equal(await deferred.count(), 1);
  const title = (await deferred.locator('td.title').innerText()).trim();
  await clickAndLoad(med, deferred.getByRole('link', { name: w['overview.actions'], exact: true }));
  await clickAndLoad(med, med.getByRole('button', { name: w['act.release'], exact: true }));
  assert.ok((await mainText(med)).includes(w['act.saved']), await mainText(med));

  await ola.reload();
  const after = await itemTitles(ola);
  assert.deepEqual([...after].sort(), [...before, title].sort());
});

test('NORN_FORANS on Kari\'s asthma note hides it from her mother; lifting it brings it back', async () => {
  const mother = await portal.loginAs('Ingrid');
  await actFor(mother, 'Kari');
  await openTile(mother, p['tile.journal']);
  const before = await itemTitles(mother);
  // Opened for parents: the asthma referral's note (demo) and, since the test above,
  // the BUP referral's note and questionnaire; from before Kari was 12: two more.
  assert.deepEqual([...before].sort(), [
    ASTHMA_NOTE, 'Poliklinisk notat BUP: første samtale', 'Kartlegging: spørreskjema (PDF)',
    'Konsultasjon: øreverk', 'Helsestasjon: 4-årskontroll',
  ].sort());

  const doctor = await clinician(BUP_DOCTOR);
  await openPatient(doctor, portal.pid('Kari'), 'TREAT');
  await openItem(doctor, ASTHMA_NOTE);
  await doctor.getByLabel(w['act.label'], { exact: true }).selectOption('NORN_FORANS');
  await clickAndLoad(doctor, doctor.locator('main form[action="/clinician/act/label-set"]')
    .getByRole('button', { name: w['act.save'], exact: true }));
  assert.ok((await mainText(doctor)).includes(w['act.saved']), await mainText(doctor));
  const closed = 'Lars Nilsen (forelder): stengt: foreldre nektet innsyn (NORN_FORANS) · '
    + 'Ingrid Nilsen (forelder): stengt: foreldre nektet innsyn (NORN_FORANS)';
  assert.deepEqual(await rows(doctor, ASTHMA_NOTE), [
    ['NORN_FORANS', `Pasienten: bare at det finnes: 12–15 år: oversikt · ${closed}`],
  ]);
  await mother.reload();
  assert.deepEqual(await itemTitles(mother), before.filter((t) => t !== ASTHMA_NOTE));

  await openItem(doctor, ASTHMA_NOTE);
  const label = doctor.locator('main ul.labels li').filter({ hasText: 'NORN_FORANS' });
  await clickAndLoad(doctor, label.getByRole('button', { name: w['act.lift'], exact: true }));
  assert.deepEqual(await rows(doctor, ASTHMA_NOTE), [
    ['', `Pasienten: bare at det finnes: 12–15 år: oversikt · ${PARENTS_OPENED}`],
  ]);
  await mother.reload();
  assert.deepEqual(await itemTitles(mother), before);
});

/** Presses "Trekk tilbake" on the one grant of `kind` set by `by` in the overview. */
async function revoke(page, kind, by) {
  await page.goto('/clinician/patient');
  const row = page.locator('main section.grants tbody tr')
    .filter({ has: page.locator('td.kind').getByText(kind, { exact: true }) })
    .filter({ hasText: by })
    .filter({ has: page.getByRole('button', { name: w['grants.revoke'], exact: true }) });
  assert.equal(await row.count(), 1, `one ${kind} by ${by} to revoke`);
  await clickAndLoad(page, row.getByRole('button', { name: w['grants.revoke'], exact: true }));
}

test('revoking the mother\'s access to the BUP referral takes it off her tiles again', async () => {
  const mother = await portal.loginAs('Ingrid');
  await actFor(mother, 'Kari');
  await openTile(mother, p['tile.referrals']);
  assert.deepEqual(await itemTitles(mother), [BUP_REFERRAL, ASTHMA_REFERRAL]);
  const doctor = await clinician(BUP_DOCTOR);
  await openPatient(doctor, portal.pid('Kari'), 'TREAT');
  await revoke(doctor, 'parent-access', BUP_DOCTOR);
  assert.deepEqual(await rows(doctor, BUP_REFERRAL), [['', `Pasienten: åpent: 12–15 år · ${PARENTS_CLOSED}`]]);
  await mother.reload();
  assert.deepEqual(await itemTitles(mother), [ASTHMA_REFERRAL]);
  await openTile(mother, p['tile.journal']);
  assert.deepEqual(
    (await itemTitles(mother)).sort(),
    [ASTHMA_NOTE, 'Konsultasjon: øreverk', 'Helsestasjon: 4-årskontroll'].sort(),
  );
});

test('an emergency lock on the BUP referral closes it to Kari at once; revoking it opens it again', async () => {
  const kari = await portal.loginAs('Kari');
  await openTile(kari, p['tile.referrals']);
  assert.deepEqual(await itemTitles(kari), [BUP_REFERRAL, ASTHMA_REFERRAL]);
  const doctor = await clinician(BUP_DOCTOR);
  await openPatient(doctor, portal.pid('Kari'), 'TREAT');
  await openItem(doctor, BUP_REFERRAL);
  await clickAndLoad(doctor, doctor.getByRole('button', { name: w['act.lock-referral'], exact: true }));
  assert.ok((await mainText(doctor)).includes(w['act.saved']), await mainText(doctor));
  const locked = 'Pasienten: stengt: akuttsperre · Lars Nilsen (forelder): stengt: akuttsperre · '
    + 'Ingrid Nilsen (forelder): stengt: akuttsperre';
  assert.deepEqual(await rows(doctor, BUP_REFERRAL), [['', locked]]);
  await kari.reload();
  assert.deepEqual(await itemTitles(kari), [ASTHMA_REFERRAL]);

  await revoke(doctor, 'emergency-lock', BUP_DOCTOR);
  assert.deepEqual(await rows(doctor, BUP_REFERRAL), [['', `Pasienten: åpent: 12–15 år · ${PARENTS_CLOSED}`]]);
  await kari.reload();
  assert.deepEqual(await itemTitles(kari), [BUP_REFERRAL, ASTHMA_REFERRAL]);
});

test('axe: every kind of workspace page has no serious or critical violations', async () => {
  const axeOn = axeCollector();
  const page = await portal.page(AXE_CONTEXT);
  await page.goto('/clinician/login');
  await axeOn.check(page, '/clinician/login');
  const doctor = await clinician(BUP_DOCTOR, AXE_CONTEXT);
  await axeOn.check(doctor, '/clinician (find)');
  await find(doctor, 'Kari', null);
  await axeOn.check(doctor, 'refusal (no purpose)');
  await find(doctor, 'Nilsen', 'TREAT');
  await axeOn.check(doctor, 'patients found');
  await openPatient(doctor, portal.pid('Kari'), 'TREAT');
  await axeOn.check(doctor, '/clinician/patient');
  await openItem(doctor, BUP_REFERRAL);
  await axeOn.check(doctor, 'item (referral)');
  await openItem(doctor, 'Samtale med Kari alene');
  await axeOn.check(doctor, 'item (labelled note)');
  const gp = await clinician(BODO_GP, AXE_CONTEXT);
  await openPatient(gp, portal.pid('Kari'), 'ETREAT', 'Bevisstløs på legevakten');
  await axeOn.check(gp, '/clinician/patient (emergency)');
  await doctor.goto('/clinician/patient?lang=en');
  await axeOn.check(doctor, '/clinician/patient (en)');
  axeOn.finish(9);
});
