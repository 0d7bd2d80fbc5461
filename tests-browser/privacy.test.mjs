// What a browser keeps of a visit — addresses in the history, page titles in tabs
// and bookmarks — must say nothing about anyone's health, and every page must
// carry the Content-Security-Policy and contain no script at all.
//
// Why a full walk: ids like "doc-child-13-bup-1" or "referral-1" carry meaning, so
// the portal links with opaque per-session handles. Walking every tile and every
// detail page as Kari's mother, with every address the browser requested or a page
// linked to, checks that no such id (nor a national identity number) slips into one.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { actFor, usePortal } from './lib/browser.mjs';
import { walkTiles } from './lib/walk.mjs';

const portal = usePortal();

/** Words an address must never contain (case-insensitive). */
const FORBIDDEN = ['bup', 'referral', 'doc-', 'patient'];
/** 11 digits standing alone (not inside a longer run of letters and digits, as in a
 * 16-hex-digit handle): a national identity number. */
const NATIONAL_ID = /(?<![0-9a-z])\d{11}(?![0-9a-z])/i;

/**
 * What in `url` says too much. The tile's own name in `/tiles/<tile>` is left out:
 * it names a service every citizen has ("referrals"), not an item.
 */
function problems(url, pids) {
  const u = url.toLowerCase().replace(/\/tiles\/[a-z]+(?=[/?#]|$)/, '/tiles/TILE');
  const found = FORBIDDEN.filter((w) => u.includes(w));
  if (NATIONAL_ID.test(url)) found.push('11-digit number');
  for (const pid of pids) if (url.includes(pid)) found.push(`pid ${pid}`);
  return found;
}

test('no ids, health words or national ids in any address or title (Ingrid → Kari, every tile and item)', async () => {
  const page = await portal.loginAs('Ingrid');
  await actFor(page, 'Kari');
  const urls = new Set();
  const titles = new Set();
  page.on('request', (r) => urls.add(r.url()));
  page.on('framenavigated', (f) => urls.add(f.url()));
  let details = 0;
  const tiles = await walkTiles(page, async (p, { kind }) => {
    if (kind === 'detail') details += 1;
    urls.add(p.url());
    titles.add(await p.title());
    // Every address a page offers: links, form targets, stylesheets.
    const offered = await p.locator('[href], form[action]').evaluateAll((els) =>
      els.map((e) => (e.getAttribute('href') ?? e.getAttribute('action'))));
    for (const o of offered) urls.add(new URL(o, p.url()).href);
  });
  assert.ok(tiles.length >= 10, `the walk saw the tiles: ${tiles}`);
  assert.ok(details >= 5, `the walk opened Kari's items (${details})`);
  const pids = [...portal.people.values()].map((p) => p.pid);
  const bad = [...urls].map((u) => [u, problems(u, pids)]).filter(([, p]) => p.length);
  assert.deepEqual(bad, [], `addresses that say too much:\n${bad.map(([u, p]) => `${u}: ${p}`).join('\n')}`);
  const badTitles = [...titles].filter((t) => problems(t, pids).length || /kari|astma|øreverk/i.test(t));
  assert.deepEqual(badTitles, [], 'page titles name the service and the page, nothing from the record');
});

test('every page carries the CSP, no script tag, and an injected script does not run', async () => {
  const page = await portal.loginAs('Ingrid');
  await actFor(page, 'Kari');
  const paths = [];
  await walkTiles(page, async (p, { path, response }) => {
    paths.push(path);
    assertLocked(path, response.headers());
    assert.equal(await p.locator('script').count(), 0, `${path} has a script tag`);
    assert.equal(await p.locator('[onclick], [onload], [onerror], [onsubmit]').count(), 0, `${path} has an inline handler`);
  }, { detailsPerTile: 1 });
  for (const path of ['/settings', '/tiles/no-such-tile']) {
    const response = await page.goto(path);
    assertLocked(path, response.headers());
    assert.equal(await page.locator('script').count(), 0, path);
  }
  // The browser enforces the policy: a script added to the page is blocked.
  await page.goto('/');
  await page.addScriptTag({ content: 'document.documentElement.dataset.ran = "yes";' }).catch(() => {});
  assert.equal(await page.locator('html').getAttribute('data-ran'), null, 'CSP blocked the inline script');

  const anonymous = await portal.page();
  const login = await anonymous.goto('/login');
  assertLocked('/login', login.headers());
  assert.equal(await anonymous.locator('script').count(), 0);
  assert.ok(paths.length > 10, `walked ${paths.length} pages`);
});

function assertLocked(path, headers) {
  const csp = headers['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'none'/, `${path}: ${csp}`);
  assert.match(csp, /frame-ancestors 'none'/, `${path}: ${csp}`);
  assert.ok(!/script-src/.test(csp), `${path} allows scripts: ${csp}`);
  assert.equal(headers['cache-control'], 'no-store', path);
  assert.equal(headers['x-frame-options'], 'DENY', path);
}
