// Appointment rules and video appointments in a real browser (issue 6 § 1, "Mine
// timeavtaler – oppgaver og informasjon"): Ola opens his video consultation at the
// diabetes clinic and sees what UNN's rule attaches ("Før timen": information with a
// link, a task), no video link yet (it comes 15 minutes before) but the pre-check,
// which names his browser and says what it cannot check; both pages pass axe and fit a
// 360 px wide phone screen.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';
import { clickAndLoad, mainText, openTile, usePortal } from './lib/browser.mjs';

const portal = usePortal();

test('Ola sees the rule\'s information and task, the video timing and the pre-check', async () => {
  const page = await portal.loginAs('Ola', AXE_CONTEXT);
  const axe = axeCollector();
  await openTile(page, 'Timeavtaler');
  await clickAndLoad(page, page.locator('main').getByRole('link', { name: /Videokonsultasjon: diabetes/ }));
  const text = await mainText(page);
  assert.match(text, /Før timen/);
  assert.match(text, /Ha blodsukkerdagboken klar/);
  assert.match(text, /Mål blodsukkeret fastende samme morgen/);
  assert.equal(await page.locator('main a[href="https://www.helsenorge.no/sykdom/diabetes/"]').count(), 1);
  // The appointment is days ahead: no link to the video room yet.
  assert.equal(await page.locator('main a[href^="https://video.nordlys.no/"]').count(), 0);
  assert.match(text, /Lenken til videotimen kommer her 15 minutter før timen starter\./);
  await axe.check(page, 'video appointment');

  await clickAndLoad(page, page.locator('main').getByRole('link', { name: 'Sjekk at du er klar for videotimen' }));
  assert.equal(new URL(page.url()).pathname, '/video-check');
  const check = await mainText(page);
  assert.match(check, /Klar for videotime\?/);
  assert.match(check, /Nettleseren din \(Chrome\) kan brukes til videotimen\./);
  assert.match(check, /Du har kontakt med oss/);
  assert.match(check, /kan ikke måle hastigheten/);
  assert.equal(await page.locator('script').count(), 0, 'no script on the pre-check');
  await axe.check(page, 'video pre-check');
  axe.finish(2);
});

test('the appointment page with its rules and the pre-check fit a 360 px phone screen', async () => {
  const page = await portal.loginAs('Ola', { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await openTile(page, 'Timeavtaler');
  await clickAndLoad(page, page.locator('main').getByRole('link', { name: /Videokonsultasjon: diabetes/ }));
  assert.match(await mainText(page), /Før timen/);
  assert.equal(await overflow(), 0, 'appointment page scrolls sideways');
  await page.goto('/video-check');
  assert.equal(await overflow(), 0, 'pre-check scrolls sideways');
});
