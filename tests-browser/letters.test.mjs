// Letters and notification channels in a real browser (issue 5 § 5, § 6): Ola's
// letter is "Ulest" until he opens it, then read; he turns SMS off and then every
// channel off on "Varsler" and the page keeps and explains his choice; the letter page
// and the settings page pass axe (WCAG 2.1 A/AA, serious and critical fail). No page
// has a script.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';
import { clickAndLoad, mainText, openTile, usePortal } from './lib/browser.mjs';

const portal = usePortal();
const LETTER = 'Innkalling til videokonsultasjon';

/** The badges of the letter's row in the letters list. */
async function badgesOf(page, title) {
  const row = page.locator('main li', { hasText: title });
  return (await row.locator('.badge').allInnerTexts()).map((s) => s.trim());
}

test('Ola opens his unread letter and it is read', async () => {
  const page = await portal.loginAs('Ola');
  await openTile(page, 'Brev');
  assert.deepEqual(await badgesOf(page, LETTER), ['Ulest']);
  await clickAndLoad(page, page.locator('main').getByRole('link', { name: new RegExp(LETTER) }));
  assert.match(await mainText(page), /Du har fått time til videokonsultasjon\./);
  await openTile(page, 'Brev');
  assert.deepEqual(await badgesOf(page, LETTER), []);
  assert.equal(await page.locator('script').count(), 0);
});

test('Ola chooses his notification channels', async () => {
  const page = await portal.loginAs('Ola');
  await page.goto('/settings');
  await clickAndLoad(page, page.locator('main').getByRole('link', { name: 'Varsler' }));
  assert.equal(new URL(page.url()).pathname, '/settings/notifications');
  const email = page.getByLabel('E-post', { exact: true });
  const sms = page.getByLabel('SMS', { exact: true });
  assert.equal(await email.isChecked(), true, 'every channel until chosen');
  assert.equal(await sms.isChecked(), true);

  await sms.uncheck();
  await clickAndLoad(page, page.getByRole('button', { name: 'Lagre varselvalg' }));
  assert.match(await mainText(page), /Varselvalgene dine er lagret\./);
  assert.equal(await email.isChecked(), true);
  assert.equal(await sms.isChecked(), false);
  assert.doesNotMatch(await mainText(page), /Du ser nytt bare når du logger inn/);

  // A fresh load shows the stored choice, not the form's memory.
  await page.goto('/settings/notifications');
  assert.equal(await sms.isChecked(), false);
  await email.uncheck();
  await clickAndLoad(page, page.getByRole('button', { name: 'Lagre varselvalg' }));
  assert.match(await mainText(page), /Du har slått av alle varsler\. Du ser nytt bare når du logger inn\./);
  assert.equal(await email.isChecked(), false);

  // Both back on.
  await email.check();
  await sms.check();
  await clickAndLoad(page, page.getByRole('button', { name: 'Lagre varselvalg' }));
  assert.equal(await email.isChecked(), true);
  assert.equal(await sms.isChecked(), true);
  assert.equal(await page.locator('script').count(), 0);
});

test('the letter page and the notification settings pass axe', async () => {
  const axe = axeCollector();
  const page = await portal.loginAs('Ola', AXE_CONTEXT);
  await openTile(page, 'Brev');
  await clickAndLoad(page, page.locator('main').getByRole('link', { name: new RegExp(LETTER) }));
  await axe.check(page, 'letter page');
  await page.goto('/settings/notifications');
  await axe.check(page, '/settings/notifications');
  axe.finish(2);
});
