// Digital forms in a real browser (issue 6 § 2): Ingrid opens the form her GP office
// asked her to fill in, sees a follow-up question appear after "Oppdater skjemaet",
// adds a second medicine with "Legg til", sends with a number that is not a number
// and sees the error by the field and in the summary, fixes it, saves a draft,
// sends, and gets a receipt — with no script on any page; the form page with its
// errors and the receipt pass axe.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';
import { clickAndLoad, mainText, openTile, usePortal } from './lib/browser.mjs';

const portal = usePortal();
const FORM = 'Luftveisplager – vurdering før time';

test('Ingrid fills in, fixes, saves and sends the form her GP asked for', async () => {
  const axe = axeCollector();
  const page = await portal.loginAs('Ingrid', AXE_CONTEXT);
  await openTile(page, 'Skjema');
  assert.match(await mainText(page), /Skjema du er bedt om å fylle ut/);
  const requested = page.locator('section.forms-offer', { hasText: 'bedt om' }).getByRole('link', { name: new RegExp(FORM) });
  await clickAndLoad(page, requested);
  assert.match(new URL(page.url()).pathname, /^\/forms\//);
  assert.equal(await page.locator('h1').innerText(), FORM);

  // The temperature is asked only after "fever: yes" and "Oppdater skjemaet".
  assert.equal(await page.locator('#f-temp').count(), 0);
  await page.locator('#f-fever-true').check();
  await clickAndLoad(page, page.getByRole('button', { name: 'Oppdater skjemaet' }));
  assert.equal(await page.locator('#f-temp').count(), 1);
  assert.ok(await page.locator('#f-fever-true').isChecked(), 'the answer is kept');

  await page.locator('#f-temp').fill('høy');
  await page.getByLabel('Ja, når jeg anstrenger meg').check();
  await page.getByLabel('Mer enn en uke').check();
  await page.getByLabel('Smerter i brystet').check();
  await page.locator('#f-meds-0-meds-name').fill('Paracet');
  await clickAndLoad(page, page.getByRole('button', { name: /^Legg til: Legemidler/ }));
  assert.equal(await page.locator('#f-meds-1-meds-name').count(), 1, 'a second medicine');
  assert.equal(await page.locator('#f-meds-0-meds-name').inputValue(), 'Paracet');
  await page.locator('#f-meds-1-meds-name').fill('Ventoline');

  // Sending with a temperature that is not a number: the error by the field and on top.
  await clickAndLoad(page, page.getByRole('button', { name: 'Send skjemaet' }));
  const summary = page.locator('.error-summary');
  assert.match(await summary.innerText(), /Det er feil i skjemaet/);
  assert.match(await summary.innerText(), /Hvor høy er temperaturen \(°C\)\?: Skriv et tall/);
  assert.equal(await page.locator('#f-temp').getAttribute('aria-describedby'), 'e-f-temp');
  assert.match(await page.locator('#e-f-temp').innerText(), /Skriv et tall, for eksempel 38,5/);
  assert.equal(await page.locator('#f-meds-1-meds-name').inputValue(), 'Ventoline', 'nothing typed is lost');
  await axe.check(page, 'form with errors');
  // The form with its errors fits a 360 px phone screen.
  await page.setViewportSize({ width: 360, height: 800 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px');
  await page.setViewportSize({ width: 1280, height: 800 });

  // Fixed and saved as a draft: the draft keeps every answer.
  await page.locator('#f-temp').fill('38,9');
  await clickAndLoad(page, page.getByRole('button', { name: 'Lagre utkast' }));
  assert.match(await mainText(page), /Utkastet er lagret/);
  assert.equal(await page.locator('#f-temp').inputValue(), '38,9');
  assert.equal(await page.locator('#f-meds-1-meds-name').inputValue(), 'Ventoline');

  // Sent: the receipt, and the answers readable afterwards.
  await clickAndLoad(page, page.getByRole('button', { name: 'Send skjemaet' }));
  assert.match(new URL(page.url()).pathname, /^\/forms\/sent\//);
  assert.match(await mainText(page), /Skjemaet er sendt/);
  await axe.check(page, 'receipt');
  await clickAndLoad(page, page.getByRole('link', { name: 'Se svarene du sendte' }));
  const answers = await mainText(page);
  for (const a of ['38,9', 'Ja, når jeg anstrenger meg', 'Smerter i brystet', 'Paracet', 'Ventoline']) {
    assert.ok(answers.includes(a), `the answer ${a} is shown`);
  }
  // The request is answered: it is no longer among the forms asked for.
  await openTile(page, 'Skjema');
  assert.doesNotMatch(await mainText(page), /Skjema du er bedt om å fylle ut/);
  assert.equal(await page.locator('script').count(), 0);
  axe.finish(2);
});
