// The citizen's privacy settings (personverninnstillinger, crates/portal/src/settings):
// each change a person can make there, made by clicking the page's own forms, and its
// effect checked at once where the person (or the one who loses access) looks.
//
// Why in the browser as well as over HTTP (crates/portal/tests/settings.rs): a rule
// that the store would accept is of no use if the form cannot send it as a person
// fills it in (required fields, patterns, radio defaults, the lockdown's second
// step), and the confirmation, the rule in the list and the tile that changes are
// what the person has to go by. Expected words come from the locale file (as in
// i18n.test.mjs) so the wording can improve without touching these tests; item
// titles are the demo's and are compared exactly, before and after.
//
// The tests share one demo server and run in order; each lifts what it set, so the
// next starts from the demo as it was.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  actFor, chooserOptions, clickAndLoad, itemTitles, mainText, openTile, textOf, usePortal,
} from './lib/browser.mjs';
import { AXE_CONTEXT, axeCollector } from './lib/axe.mjs';
import { REPO_ROOT } from './lib/server.mjs';

const portal = usePortal();
const t = JSON.parse(readFileSync(join(REPO_ROOT, 'crates/portal/locales/nb.json'), 'utf8'));

/** Jonas's (17) results as the demo has them (two imaging reports). */
const JONAS_RESULTS = ['Diagnostic imaging study', 'Diagnostic imaging study'];
/** Ola's journal documents in the demo. */
const OLA_JOURNAL = ['Poliklinisk notat: diabetes', 'Konsultasjon: diabeteskontroll', 'Konsultasjon: diabeteskontroll'];
const ASTHMA_REFERRAL = 'Henvisning til barneavdelingen: astma';

/** Opens the settings page from the home page's link, as a person would. */
async function openSettings(page) {
  await page.goto('/');
  await clickAndLoad(page, page.locator('main a[href="/settings"]').first());
  assert.equal(await textOf(page, 'h1'), t['settings.title']);
}

/**
 * The rules listed on the settings page: title, the `<dl>`'s fields keyed by their
 * label ("Satt av", "Status", "Omfang"…) and the buttons of each rule.
 */
async function rules(page) {
  return page.locator('main li.rule').evaluateAll((lis) => lis.map((li) => {
    const rule = {
      title: li.querySelector('h3').textContent.trim(),
      buttons: [...li.querySelectorAll('button')].map((b) => b.textContent.trim()),
    };
    for (const dt of li.querySelectorAll('dt')) rule[dt.textContent.trim()] = dt.nextElementSibling.textContent.trim();
    return rule;
  }));
}

/** The rules titled `title`, as [status, set by, buttons]. */
async function rulesTitled(page, title) {
  return (await rules(page))
    .filter((r) => r.title === t[title])
    .map((r) => [r[t['settings.status']], r[t['settings.by']], r.buttons]);
}

/** The one-time confirmation at the top of the page ('' if none). */
function confirmation(page) {
  return textOf(page, 'main .notice.ok[role="status"]');
}

/** Presses `button` in the listed rule titled `title` (whose text contains `has`). */
async function pressInRule(page, title, button, has = '') {
  const rule = page.locator('main li.rule')
    .filter({ has: page.getByRole('heading', { name: t[title], exact: true }) })
    .filter({ hasText: has })
    .filter({ has: page.getByRole('button', { name: t[button], exact: true }) });
  assert.equal(await rule.count(), 1, `one rule "${t[title]}" with "${t[button]}"`);
  await clickAndLoad(page, rule.getByRole('button', { name: t[button], exact: true }));
}

const IN_FORCE = () => t['settings.status-active'];
const LIFTED = () => t['settings.status-inactive'];
const LIFT = () => [t['settings.lift']];

test('Jonas (17) hides his own results, the tile says why, and lifting brings the same ones back', async () => {
  const page = await portal.loginAs('Jonas');
  await openTile(page, t['tile.results']);
  assert.deepEqual(await itemTitles(page), JONAS_RESULTS);

  await openSettings(page);
  assert.equal(await rules(page).then((r) => r.length), 0);
  assert.match(await mainText(page), new RegExp(t['settings.no-rules']));
  await clickAndLoad(page, page.getByRole('button', { name: t['settings.self-deny-results-submit'], exact: true }));
  assert.equal(new URL(page.url()).pathname, '/settings');
  assert.equal(await confirmation(page), t['settings.saved']);
  assert.deepEqual(await rulesTitled(page, 'settings.kind.self-deny-results'), [[IN_FORCE(), t['settings.by-you'], LIFT()]]);
  // Set once: the offer is gone while the rule is in force.
  assert.equal(await page.getByRole('button', { name: t['settings.self-deny-results-submit'] }).count(), 0);
  // The confirmation is shown once.
  await page.reload();
  assert.equal(await confirmation(page), '');

  await openTile(page, t['tile.results']);
  assert.deepEqual(await itemTitles(page), []);
  assert.ok((await mainText(page)).includes(t['reason.self-deny-results']), await mainText(page));

  await openSettings(page);
  await pressInRule(page, 'settings.kind.self-deny-results', 'settings.lift');
  assert.equal(await confirmation(page), t['settings.lifted']);
  assert.deepEqual(await rulesTitled(page, 'settings.kind.self-deny-results'), [[LIFTED(), t['settings.by-you'], []]]);
  assert.equal(await page.getByRole('button', { name: t['settings.self-deny-results-submit'] }).count(), 1);
  await openTile(page, t['tile.results']);
  assert.deepEqual(await itemTitles(page), JONAS_RESULTS);
  assert.ok(!(await mainText(page)).includes(t['reason.self-deny-results']));
});

test('Ola blocks all health personnel (soft), sees the rule, and lifts it', async () => {
  const page = await portal.loginAs('Ola');
  await openSettings(page);
  const before = await rules(page);
  assert.deepEqual(before.map((r) => r.title), [t['settings.kind.release']], 'the demo\'s early release only');
  // The defaults as a person finds them: everyone, soft.
  assert.equal(await page.getByLabel(t['settings.block-all'], { exact: true }).isChecked(), true);
  assert.equal(await page.getByLabel(t['settings.soft'], { exact: true }).isChecked(), true);
  await clickAndLoad(page, page.getByRole('button', { name: t['settings.block-submit'], exact: true }));
  assert.equal(await confirmation(page), t['settings.saved']);
  const blocks = (await rules(page)).filter((r) => r.title === t['settings.kind.block']);
  assert.equal(blocks.length, 1, JSON.stringify(blocks));
  assert.equal(blocks[0][t['settings.status']], IN_FORCE());
  assert.equal(blocks[0][t['settings.by']], t['settings.by-you']);
  assert.equal(
    blocks[0][t['settings.scope']],
    // Whom it blocks is not repeated here: the title says health personnel.
    [t['settings.scope-all-categories'], t['settings.soft']].join('; '),
  );
  assert.deepEqual(blocks[0].buttons, LIFT());

  await pressInRule(page, 'settings.kind.block', 'settings.lift');
  assert.equal(await confirmation(page), t['settings.lifted']);
  // No longer in force: listed as lifted, without buttons, after the rules in force.
  const after = await rules(page);
  assert.deepEqual(after.map((r) => [r.title, r[t['settings.status']]]), [
    [t['settings.kind.release'], IN_FORCE()],
    [t['settings.kind.block'], LIFTED()],
  ]);
  assert.deepEqual(after[1].buttons, []);
});

test('Ola\'s lockdown takes a second step, empties his journal tile, and lifting restores it', async () => {
  const page = await portal.loginAs('Ola');
  await openTile(page, t['tile.journal']);
  assert.deepEqual(await itemTitles(page), OLA_JOURNAL);

  await openSettings(page);
  const rulesBefore = (await rules(page)).length;
  // No category ticked: the whole record.
  await clickAndLoad(page, page.getByRole('button', { name: t['settings.lockdown-submit'], exact: true }));
  assert.equal(await textOf(page, 'h1'), t['settings.lockdown-confirm-title']);
  assert.equal(await textOf(page, 'main p.scope'), t['settings.scope-all-categories']);
  // Nothing is set by the first step.
  await page.goto('/settings');
  assert.equal((await rules(page)).length, rulesBefore);
  await clickAndLoad(page, page.getByRole('button', { name: t['settings.lockdown-submit'], exact: true }));
  await clickAndLoad(page, page.getByRole('button', { name: t['settings.lockdown-confirm-submit'], exact: true }));
  assert.equal(new URL(page.url()).pathname, '/settings');
  assert.equal(await confirmation(page), t['settings.saved']);
  assert.deepEqual(await rulesTitled(page, 'settings.kind.lockdown'), [[IN_FORCE(), t['settings.by-you'], LIFT()]]);

  await openTile(page, t['tile.journal']);
  assert.deepEqual(await itemTitles(page), []);
  assert.ok((await mainText(page)).includes(t['reason.lockdown']), await mainText(page));

  await openSettings(page);
  await pressInRule(page, 'settings.kind.lockdown', 'settings.lift');
  assert.equal(await confirmation(page), t['settings.lifted']);
  await openTile(page, t['tile.journal']);
  assert.deepEqual(await itemTitles(page), OLA_JOURNAL);
  assert.ok(!(await mainText(page)).includes(t['reason.lockdown']));
});

test('Ola reserves himself against sharing of results and lifts it', async () => {
  const page = await portal.loginAs('Ola');
  await openSettings(page);
  assert.deepEqual(await rulesTitled(page, 'settings.kind.reservation'), []);
  await clickAndLoad(page, page.getByRole('button', { name: t['settings.reservation-submit'], exact: true }));
  assert.equal(await confirmation(page), t['settings.saved']);
  assert.deepEqual(await rulesTitled(page, 'settings.kind.reservation'), [[IN_FORCE(), t['settings.by-you'], LIFT()]]);
  assert.equal(await page.getByRole('button', { name: t['settings.reservation-submit'] }).count(), 0);
  await pressInRule(page, 'settings.kind.reservation', 'settings.lift');
  assert.equal(await confirmation(page), t['settings.lifted']);
  assert.deepEqual(await rulesTitled(page, 'settings.kind.reservation'), [[LIFTED(), t['settings.by-you'], []]]);
  assert.equal(await page.getByRole('button', { name: t['settings.reservation-submit'] }).count(), 1);
});

test('Ola types a wrong block and is told so in plain words; nothing is stored', async () => {
  const page = await portal.loginAs('Ola');
  await openSettings(page);
  const before = await rules(page);
  // A named person without an HPR number (the field is not required by the form).
  await page.getByLabel(t['settings.block-named'], { exact: true }).check();
  await clickAndLoad(page, page.getByRole('button', { name: t['settings.block-submit'], exact: true }));
  assert.equal(await textOf(page, 'main .notice.error[role="alert"]'), t['settings.bad-hpr']);
  assert.deepEqual(await rules(page), before);
});

test('Kari (13) closes to her parents: her mother loses the opened asthma referral at once', async () => {
  const mother = await portal.loginAs('Ingrid');
  await actFor(mother, 'Kari');
  await openTile(mother, t['tile.referrals']);
  assert.deepEqual(await itemTitles(mother), [ASTHMA_REFERRAL]);

  const kari = await portal.loginAs('Kari');
  await openSettings(kari);
  // A youth is offered this rule only: no proxy, no block, no lockdown.
  assert.equal(await kari.locator('main form[action="/settings/proxy"]').count(), 0);
  assert.equal(await kari.locator('main form[action="/settings/block"]').count(), 0);
  await clickAndLoad(kari, kari.getByRole('button', { name: t['settings.deny-parents-submit'], exact: true }));
  assert.equal(await confirmation(kari), t['settings.saved']);
  assert.deepEqual(await rulesTitled(kari, 'settings.kind.deny-parents'), [[IN_FORCE(), t['settings.by-you'], LIFT()]]);

  await mother.reload();
  assert.deepEqual(await itemTitles(mother), []);
  assert.ok((await mainText(mother)).includes(t['reason.deny-parents']), await mainText(mother));
  // Nothing on Kari's settings page is the mother's to lift. (She is not shown the
  // rule at all: it closes everything of Kari's to her, the rules included.)
  await openSettings(mother);
  assert.equal(await mother.locator('main form[action="/settings/lift"]').count(), 0);

  // Closed to her parents, Kari is not in her mother's chooser any more (the home
  // page asks the store again); the mother is back on her own record.
  await mother.goto('/');
  assert.ok(!(await chooserOptions(mother)).some((o) => o.startsWith('Kari')), await mainText(mother));

  await kari.reload();
  await pressInRule(kari, 'settings.kind.deny-parents', 'settings.lift');
  assert.equal(await confirmation(kari), t['settings.lifted']);
  await mother.goto('/');
  await actFor(mother, 'Kari');
  await openTile(mother, t['tile.referrals']);
  assert.deepEqual(await itemTitles(mother), [ASTHMA_REFERRAL]);
});

test('Nils gives Anne a limited proxy: she finds him in her chooser, and not after he lifts it', async () => {
  const anne = portal.pid('Anne');
  const nils = await portal.loginAs('Nils');
  await openSettings(nils);
  await nils.getByLabel(t['settings.proxy-pid'], { exact: true }).fill(anne);
  await nils.getByLabel(t['settings.proxy-limited'], { exact: true }).check();
  await clickAndLoad(nils, nils.getByRole('button', { name: t['settings.proxy-submit'], exact: true }));
  assert.equal(await confirmation(nils), t['settings.saved']);
  const named = t['settings.scope-named-person'].replace('{id}', `${anne.slice(0, 6)} *****`);
  const proxies = (await rules(nils)).filter((r) => r.title === t['settings.kind.proxy']);
  assert.deepEqual(proxies.map((r) => [r[t['settings.scope']], r[t['settings.status']], r.buttons]), [
    [`${named}; ${t['settings.proxy-limited']}`, IN_FORCE(), LIFT()],
    // Ola's full proxy from the demo, set by Nils: liftable and limitable.
    [`${t['settings.scope-related']}; ${t['settings.proxy-full']}`, IN_FORCE(), [t['settings.lift'], t['settings.limit']]],
  ]);

  const page = await portal.loginAs('Anne');
  assert.deepEqual(await chooserOptions(page), [
    'Per Olsen (29 år), du er verge',
    // A limited proxy sees his name, not his age.
    t['chooser.person-no-age'].replace('{name}', 'Nils Pedersen').replace('{relation}', t['relation.proxy-limited']),
  ]);
  await actFor(page, 'Nils');
  // Limited: letters, referrals, appointments and messages; the journal is not hers.
  const tileNotice = (name) => page.locator('main li.tile').filter({ hasText: name }).locator('.why').allInnerTexts();
  assert.deepEqual(await tileNotice(t['tile.journal']), [t['reason.proxy.limited.closed']]);
  assert.deepEqual(await tileNotice(t['tile.letters']), []);

  await nils.reload();
  await pressInRule(nils, 'settings.kind.proxy', 'settings.lift', `${anne.slice(0, 6)} *****`);
  assert.equal(await confirmation(nils), t['settings.lifted']);
  // At once: the home page asks the store again, Nils is gone from her chooser and
  // she is back acting for Per.
  await page.goto('/');
  assert.deepEqual(await chooserOptions(page), ['Per Olsen (29 år), du er verge']);
  assert.match(await page.locator('p.acting').innerText(), /Per Olsen/);
});

// The 12–15 parental consent: the demo has no youth without one (Kari's mother gave
// hers when Kari turned 12), so what it changes — a youth without consent sees
// nothing of her own — cannot be shown here; the form itself can. A parent of a
// youth is not shown the youth's rules (§ 6: parents see nothing of a 12–15-year-old
// but opened referrals), the consent already given included, so the form is offered
// to her mother again, and giving it is stored and confirmed. Kari's own view stays
// as it was.
test('parental consent: Ingrid gives it for Kari (13) from the form; it is confirmed and Kari\'s view stays', async () => {
  const kari = await portal.loginAs('Kari');
  await openTile(kari, t['tile.referrals']);
  const kariReferrals = await itemTitles(kari);
  assert.deepEqual(kariReferrals, ['Henvisning til BUP: utredning', ASTHMA_REFERRAL]);

  const mother = await portal.loginAs('Ingrid');
  await actFor(mother, 'Kari');
  await openSettings(mother);
  assert.equal(await textOf(mother, 'main section.offer h3'), t['settings.parental-consent-title']);
  await clickAndLoad(mother, mother.getByRole('button', { name: t['settings.parental-consent-submit'], exact: true }));
  assert.equal(new URL(mother.url()).pathname, '/settings');
  assert.equal(await confirmation(mother), t['settings.saved']);

  await kari.reload();
  assert.deepEqual(await itemTitles(kari), kariReferrals);
});

test('axe: every kind of settings page has no serious or critical violations', async () => {
  const axeOn = axeCollector();
  const jonas = await portal.loginAs('Jonas', AXE_CONTEXT);
  await openSettings(jonas);
  await axeOn.check(jonas, '/settings (16+, no rules)');
  await clickAndLoad(jonas, jonas.getByRole('button', { name: t['settings.self-deny-results-submit'], exact: true }));
  await axeOn.check(jonas, '/settings (confirmation, a rule with its lift button)');
  await pressInRule(jonas, 'settings.kind.self-deny-results', 'settings.lift');
  await axeOn.check(jonas, '/settings (a lifted rule)');
  await jonas.getByLabel(t['settings.block-named'], { exact: true }).check();
  await clickAndLoad(jonas, jonas.getByRole('button', { name: t['settings.block-submit'], exact: true }));
  await axeOn.check(jonas, '/settings (refusal)');

  const ola = await portal.loginAs('Ola', AXE_CONTEXT);
  await openSettings(ola);
  await clickAndLoad(ola, ola.getByRole('button', { name: t['settings.lockdown-submit'], exact: true }));
  await axeOn.check(ola, 'lockdown confirmation');

  const kari = await portal.loginAs('Kari', AXE_CONTEXT);
  await openSettings(kari);
  await axeOn.check(kari, '/settings (youth 12–15)');

  const mother = await portal.loginAs('Ingrid', AXE_CONTEXT);
  await actFor(mother, 'Kari');
  await openSettings(mother);
  await axeOn.check(mother, '/settings (parent of a youth)');

  const anne = await portal.loginAs('Anne', AXE_CONTEXT);
  await openSettings(anne);
  await axeOn.check(anne, '/settings (guardian: nothing to set)');
  axeOn.finish(8);
});
