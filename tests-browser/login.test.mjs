// Logging in and out the way a person does, and what a lower security level shows.
//
// Why in a browser: cookies, redirects, the Origin header of form posts and the back
// button behave as they do for a real visitor only in a real browser (a wrong
// Referrer-Policy once made every browser's login post `Origin: null`, refused).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { clickAndLoad, login, mainText, textOf, usePortal } from './lib/browser.mjs';

const portal = usePortal();

test('the login page lists the demo people as buttons, and anonymous visitors land there', async () => {
  const page = await portal.page();
  await page.goto('/');
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(await textOf(page, 'h1'), 'Logg inn');
  for (const name of ['Ingrid', 'Kari', 'Emma', 'Jonas', 'Ola', 'Nils', 'Marit', 'Sara', 'Anne', 'Per']) {
    const person = portal.people.get(name);
    assert.ok(person, `${name} is printed by the demo`);
    const button = page.getByRole('button', { name: `${name}, ${person.age}`, exact: true });
    assert.equal(await button.count(), 1, `${name}'s button`);
  }
});

test('clicking a person logs in: home page with the header chooser and a logout button', async () => {
  const page = await portal.loginAs('Ingrid');
  assert.equal(await textOf(page, 'h1'), 'Helsen min');
  assert.equal(await page.getByLabel('Du bruker tjenestene på vegne av').count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Logg ut' }).count(), 1);
  const cookies = await page.context().cookies();
  const sid = cookies.find((c) => c.name === 'nordlys_sid');
  assert.ok(sid, JSON.stringify(cookies));
  assert.equal(sid.httpOnly, true);
  assert.equal(sid.sameSite, 'Lax');
  // Logged in, /login sends the person home.
  await page.goto('/login');
  assert.equal(new URL(page.url()).pathname, '/');
});

test('logout ends the session: back to /login, and / goes to /login again', async () => {
  const page = await portal.loginAs('Ingrid');
  await page.goto('/tiles/journal');
  await clickAndLoad(page, page.getByRole('button', { name: 'Logg ut' }));
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.goto('/');
  assert.equal(new URL(page.url()).pathname, '/login');
  // A page of the record visited before is not shown again from the cache either.
  await page.goto('/tiles/journal');
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.ok(!(await mainText(page)).includes('Journaldokumenter'));
  const sid = (await page.context().cookies()).find((c) => c.name === 'nordlys_sid' && c.value);
  assert.equal(sid, undefined, 'the session cookie is gone');
});

test('a session ended in one tab is ended in the other', async () => {
  const page = await portal.loginAs('Ola');
  const other = await page.context().newPage();
  await other.goto('/');
  assert.equal(new URL(other.url()).pathname, '/');
  await clickAndLoad(page, page.getByRole('button', { name: 'Logg ut' }));
  await other.reload();
  assert.equal(new URL(other.url()).pathname, '/login');
});

test('at the lower level ("Betydelig (MinID)") only the explanation and the settings link', async () => {
  const page = await portal.page();
  await page.goto('/login');
  // What a person does who types their national identity number themselves.
  await page.getByLabel('Fødselsnummer (11 siffer)').fill(portal.pid('Ingrid'));
  await page.getByLabel('Sikkerhetsnivå').selectOption({ label: 'Betydelig (MinID)' });
  await clickAndLoad(page, page.getByRole('button', { name: 'Logg inn', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await textOf(page, 'h1'), 'Du må logge inn på sikkerhetsnivå høyt');
  const text = await mainText(page);
  assert.match(text, /Helseopplysninger vises bare når du logger inn med BankID/);
  const links = await page.locator('main a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, ['/settings']);
  assert.equal(await page.getByLabel('Du bruker tjenestene på vegne av').count(), 0, 'no chooser');
  assert.ok(!/Kari|Emma|Jonas/.test(await page.locator('body').innerText()), 'no names of others');
  // Typing a tile's address gives the same explanation, not the list.
  const response = await page.goto('/tiles/journal');
  assert.equal(response.status(), 403);
  assert.equal(await textOf(page, 'h1'), 'Du må logge inn på sikkerhetsnivå høyt');
  assert.equal(await page.locator('main a[href^="/tiles/journal/"]').count(), 0);
  // Logging in again at the high level shows the record.
  await clickAndLoad(page, page.getByRole('button', { name: 'Logg ut' }));
  await login(page, 'Ingrid');
  assert.equal(await textOf(page, 'h1'), 'Helsen min');
});
