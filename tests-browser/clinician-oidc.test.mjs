// The workspace's HelseID login in a real browser: `nordlys demo` trusts a local
// HelseID stand-in (lib/helseid.mjs); the practitioner clicks "Logg inn med HelseID",
// the issuer approves at once and sends the browser back (code + PKCE), and the
// workspace shows the practitioner's name, HPR number and organisation number; a
// HelseID user without an HPR number, or at security level 3, is refused in plain
// words and gets no session. No script on any of our pages; the login pages pass axe.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';
import { clickAndLoad, launchBrowser, mainText, textOf } from './lib/browser.mjs';
import { startHelseId } from './lib/helseid.mjs';
import { startDemo } from './lib/server.mjs';

/** Overlege Erik Strand, BUP Tromsø (UNN). */
const DOCTOR = { hpr: '565501872', orgnr: '983974899', name: 'Erik Strand' };

let helseid;
let server;
let browser;
before(async () => {
  helseid = await startHelseId();
  server = await startDemo(helseid.args);
  browser = await launchBrowser();
}, { timeout: 180_000 });
after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  if (helseid) await helseid.stop();
}, { timeout: 60_000 });

async function loginPage() {
  const context = await browser.newContext({ baseURL: server.url, ...AXE_CONTEXT });
  const page = await context.newPage();
  await page.goto('/clinician/login');
  return page;
}

test('a practitioner logs in with HelseID and sees name, HPR and organisation', async () => {
  const axe = axeCollector();
  const page = await loginPage();
  await axe.check(page, 'workspace login with HelseID');
  helseid.logInAs(DOCTOR);
  await clickAndLoad(page, page.getByRole('link', { name: 'Logg inn med HelseID' }));
  assert.equal(new URL(page.url()).pathname, '/clinician');
  assert.equal(await textOf(page, 'header .who .name'), DOCTOR.name);
  assert.equal(await textOf(page, 'header .who .hpr'), DOCTOR.hpr);
  assert.match(await textOf(page, 'header .who'), new RegExp(DOCTOR.orgnr));
  assert.equal(await page.locator('script').count(), 0);
  await axe.check(page, 'workspace home after HelseID');
  axe.finish(2);
});

test('without an HPR number or at level 3 the workspace refuses, in words', async () => {
  for (const [who, words] of [
    [{ ...DOCTOR, hpr: null }, /Du har ikke HPR-nummer/],
    [{ ...DOCTOR, level: '3' }, /høyt sikkerhetsnivå/],
  ]) {
    const page = await loginPage();
    helseid.logInAs(who);
    await clickAndLoad(page, page.getByRole('link', { name: 'Logg inn med HelseID' }));
    assert.match(await mainText(page), words);
    const cookies = await page.context().cookies();
    assert.equal(cookies.filter((c) => c.name === 'nordlys_wsid').length, 0, 'no session');
    await page.goto('/clinician');
    assert.equal(new URL(page.url()).pathname, '/clinician/login');
  }
});
