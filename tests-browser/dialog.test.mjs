// Digital dialog in a real browser (issue 5 § 4, docs/dialog.md), end to end on the
// demo: Ola writes to the medical outpatient clinic with a PDF attached (his
// Helsekontakt is shown); Overlege Thomas Lie finds it as "new" in the unit inbox,
// assigns it to himself, opens it (Ola's message is then read), answers; Ola sees the
// answer, the state "answered" and "read by the place of treatment" on his message;
// the doctor sees Ola has read the answer; the doctor closes the thread and Ola is
// told where to call instead. The PDF opens on both sides. No script on any page;
// axe passes on the new pages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { actFor, clickAndLoad, mainText, textOf, usePortal } from './lib/browser.mjs';
import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';
import { REPO_ROOT } from './lib/server.mjs';

const portal = usePortal();
const locale = (crate) => JSON.parse(readFileSync(join(REPO_ROOT, `crates/${crate}/locales/nb.json`), 'utf8'));
const w = locale('workspace');
const p = locale('portal');

const MED_DOCTOR = 'Overlege Thomas Lie';
const CLINIC = 'Medisinsk poliklinikk, UNN Tromsø';
const TOPIC = 'Vondt i foten etter ny sko';
const QUESTION = 'Jeg har fått et sår på foten. Skal jeg komme inn?';
const ANSWER = 'Send oss et bilde i morgen tidlig, så vurderer vi det.';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/** A workspace page logged in as `name` (by the directory list). */
async function clinician(name, options = {}) {
  const page = await portal.page(options);
  await page.goto('/clinician/login');
  const row = page.locator('table.staff tbody tr').filter({ has: page.getByRole('cell', { name, exact: true }) });
  await clickAndLoad(page, row.getByRole('button', { name: w['login.submit'], exact: true }));
  assert.equal(await textOf(page, 'header .who .name'), name);
  return page;
}

/** The inbox row of our thread. */
function inboxRow(page) {
  return page.locator('table.inbox tbody tr', { hasText: TOPIC });
}

test('a message goes from Ola to the clinic inbox and the answer and read receipts come back', async () => {
  const axe = axeCollector();
  const ola = await portal.loginAs('Ola', AXE_CONTEXT);
  await ola.goto('/tiles/messages');
  await clickAndLoad(ola, ola.locator('main').getByRole('link', { name: p['dialog.new'] }));
  assert.equal(new URL(ola.url()).pathname, '/dialog');
  const clinic = ola.locator('section.unit', { has: ola.getByRole('heading', { name: CLINIC, exact: true }) });
  assert.match(await clinic.innerText(), /Din helsekontakt: Thomas Lie/);
  await axe.check(ola, 'portal /dialog');
  await clinic.getByLabel(p['dialog.topic']).fill(TOPIC);
  await clinic.getByLabel(p['dialog.text']).fill(QUESTION);
  await clinic.getByLabel(p['dialog.attach']).setInputFiles({ name: 'bilde-av-foten.pdf', mimeType: 'application/pdf', buffer: PDF });
  await clickAndLoad(ola, clinic.getByRole('button', { name: p['dialog.send'] }));
  const threadUrl = new URL(ola.url()).pathname;
  assert.match(threadUrl, /^\/dialog\/[^/]+$/);
  let text = await mainText(ola);
  assert.ok(text.includes(p['dialog.sent']), text);
  assert.ok(text.includes(QUESTION) && text.includes('Vedlegg: bilde-av-foten.pdf'), text);
  assert.ok(text.includes(p['messages.not-read']), 'not read by the clinic yet');
  assert.ok(text.includes(p['dialog.status.new']), text);
  const olaFile = await ola.locator('main a[href^="/dialog/file/"]').getAttribute('href');
  const olaResp = await ola.request.get(olaFile);
  assert.equal(olaResp.status(), 200);
  assert.deepEqual(Buffer.from(await olaResp.body()), PDF);
  await axe.check(ola, 'portal thread');

  // The clinic's inbox: new, then assigned to the doctor.
  const doctor = await clinician(MED_DOCTOR, AXE_CONTEXT);
  await clickAndLoad(doctor, doctor.locator('main').getByRole('link', { name: w['nav.inbox'] }));
  assert.equal(new URL(doctor.url()).pathname, '/clinician/inbox');
  assert.equal(await inboxRow(doctor).count(), 1);
  assert.match(await inboxRow(doctor).innerText(), new RegExp(`${w['inbox.status.new']}`));
  assert.match(await inboxRow(doctor).innerText(), /Ola Pedersen/);
  await axe.check(doctor, 'workspace inbox');
  await clickAndLoad(doctor, inboxRow(doctor).getByRole('button', { name: w['inbox.assign-me'] }));
  assert.ok((await mainText(doctor)).includes(w['inbox.done.assigned']));
  const row = await inboxRow(doctor).innerText();
  assert.ok(row.includes(w['inbox.status.in-progress']) && row.includes('Thomas Lie'), row);

  // Opening the thread marks Ola's message read; the doctor answers.
  await clickAndLoad(doctor, inboxRow(doctor).getByRole('link', { name: TOPIC }));
  text = await mainText(doctor);
  assert.ok(text.includes(QUESTION) && text.includes('Vedlegg: bilde-av-foten.pdf'), text);
  // The attachment opens for the clinic (and for Ola): the same PDF bytes.
  const docFile = await doctor.locator('main a[href^="/clinician/inbox/file/"]').getAttribute('href');
  const docResp = await doctor.request.get(docFile);
  assert.equal(docResp.status(), 200);
  assert.equal(docResp.headers()['content-type'], 'application/pdf');
  assert.deepEqual(Buffer.from(await docResp.body()), PDF);
  await axe.check(doctor, 'workspace thread');
  await doctor.getByLabel(w['inbox.answer']).fill(ANSWER);
  await clickAndLoad(doctor, doctor.getByRole('button', { name: w['inbox.send'] }));
  text = await mainText(doctor);
  assert.ok(text.includes(w['inbox.done.answered']) && text.includes(ANSWER), text);
  assert.equal(await textOf(doctor, 'dd.state'), w['inbox.status.answered']);
  assert.ok(text.includes(w['inbox.not-read']), 'Ola has not read the answer yet');

  // Ola sees the answer (which marks it read) and that the clinic read his message.
  await ola.goto(threadUrl);
  text = await mainText(ola);
  assert.ok(text.includes(ANSWER), text);
  assert.ok(text.includes(p['dialog.status.answered']), text);
  assert.match(text, /Lest av behandlingsstedet \d\d\.\d\d\.\d{4}/);
  await doctor.reload();
  assert.match(await mainText(doctor), /Lest av innbygger \d\d\.\d\d\.\d{4}/);

  // The doctor closes the thread: Ola may not write more and is told where to call.
  await clickAndLoad(doctor, doctor.getByRole('button', { name: w['inbox.close'] }));
  assert.equal(await textOf(doctor, 'dd.state'), w['inbox.status.closed']);
  await ola.goto(threadUrl);
  text = await mainText(ola);
  assert.ok(text.includes(p['dialog.closed']) && text.includes('77 62 60 00'), text);
  assert.equal(await ola.locator('main textarea').count(), 0, 'no reply form on a closed thread');
  assert.equal(await ola.locator('script').count(), 0);
  assert.equal(await doctor.locator('script').count(), 0);
  axe.finish(4);
});

// Flexible dialog (docs/dialog.md): Overlege Erik Strand (UNN) opens a dialog for Kari
// (13) to her mother Ingrid, from the medical outpatient clinic, on the asthma referral
// opened for her parents; Ingrid, acting for Kari, finds it under /dialog and answers;
// Kari, not chosen, sees nothing of it. No script; axe on the form and the thread.
test('a clinician opens a flexible dialog to Kari\'s mother, who answers; Kari sees nothing', async () => {
  const FLEX_TOPIC = 'Astmakontroll etter ferien';
  const FIRST = 'Hvordan har Kari hatt det med pusten den siste uka?';
  const REPLY = 'Bedre, hun bruker Ventoline sjeldnere.';
  const axe = axeCollector();
  const doctor = await clinician('Overlege Erik Strand', AXE_CONTEXT);
  await doctor.goto('/clinician');
  await doctor.getByLabel(w['find.query'], { exact: true }).fill(portal.pid('Kari'));
  await doctor.getByLabel(w['purpose.TREAT'], { exact: true }).check();
  await clickAndLoad(doctor, doctor.getByRole('button', { name: w['find.submit'], exact: true }));
  await clickAndLoad(doctor, doctor.getByRole('button', { name: `${w['find.open']} (${w['purpose.TREAT']})`, exact: true }));
  await clickAndLoad(doctor, doctor.locator('main').getByRole('link', { name: w['dialog-open.title'], exact: true }));
  assert.equal(new URL(doctor.url()).pathname, '/clinician/dialog/open');
  await axe.check(doctor, 'workspace Åpne dialog');
  await doctor.getByLabel(/^Ingrid Nilsen/).check();
  await doctor.getByLabel(w['dialog-open.unit']).selectOption({ label: CLINIC });
  const asthma = (await doctor.locator('select[name="referral"] option', { hasText: 'astma' }).first().textContent()).trim();
  await doctor.getByLabel(w['dialog-open.referral']).selectOption({ label: asthma });
  await doctor.getByLabel(w['dialog-open.topic']).fill(FLEX_TOPIC);
  await doctor.getByLabel(w['dialog-open.text']).fill(FIRST);
  await clickAndLoad(doctor, doctor.getByRole('button', { name: w['dialog-open.send'] }));
  assert.match(new URL(doctor.url()).pathname, /^\/clinician\/inbox\/[^/]+$/);
  let text = await mainText(doctor);
  assert.ok(text.includes(FIRST) && text.includes(FLEX_TOPIC), text);
  assert.equal(await textOf(doctor, 'dd.state'), w['inbox.status.answered']);

  const ingrid = await portal.loginAs('Ingrid', AXE_CONTEXT);
  await actFor(ingrid, 'Kari');
  await ingrid.goto('/dialog');
  await clickAndLoad(ingrid, ingrid.locator('main').getByRole('link', { name: FLEX_TOPIC }));
  text = await mainText(ingrid);
  assert.ok(text.includes(FIRST), text);
  await axe.check(ingrid, 'portal flexible thread');
  await ingrid.getByLabel(p['dialog.reply']).fill(REPLY);
  await clickAndLoad(ingrid, ingrid.getByRole('button', { name: p['dialog.send'] }));
  assert.ok((await mainText(ingrid)).includes(REPLY));

  const kari = await portal.loginAs('Kari');
  await kari.goto('/dialog');
  assert.ok(!(await mainText(kari)).includes(FLEX_TOPIC), 'Kari was not chosen');
  for (const page of [doctor, ingrid, kari]) assert.equal(await page.locator('script').count(), 0);
  axe.finish(2);
});
