// axe-core (WCAG 2.1 A and AA rules) for every browser test that checks pages:
// inject, run, collect, and fail once on serious or critical violations.
//
// Why shared: the accessibility walk, the settings and the workspace tests each check
// pages only reachable after their own clicks (a confirmation, a refusal, a
// clinician's item page), so they run axe where they are. The page's context must be created with `{ bypassCSP: true }` (the
// portal's and the workspace's policy forbid every script, axe included).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The browser-context option that lets axe be injected. */
export const AXE_CONTEXT = { bypassCSP: true };

async function run(page, where) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    [...TAGS, 'best-practice'],
  );
  // An empty page (or axe finding nothing to look at) would pass vacuously.
  assert.ok(result.passes.length > 0, `axe checked nothing on ${where}`);
  return result.violations.map((v) => ({ ...v, where, wcag: v.tags.some((t) => TAGS.includes(t)) }));
}

function report(violations) {
  return violations
    .map((v) => `[${v.impact}] ${v.id} on ${v.where}: ${v.help} (${v.helpUrl})\n${v.nodes
      .slice(0, 5)
      .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ')}\n      ${n.html}`)
      .join('\n')}`)
    .join('\n');
}

/**
 * Collects the violations of many pages; `finish(n)` checks that exactly `n` pages
 * were checked and fails once, listing every serious or critical WCAG violation.
 * Minor, moderate and best-practice findings are printed, not failed.
 */
export function axeCollector() {
  const found = [];
  const checked = [];
  return {
    async check(page, where) {
      checked.push(where);
      found.push(...(await run(page, where)));
    },
    finish(pages) {
      assert.equal(checked.length, pages, JSON.stringify(checked));
      const serious = found.filter((v) => v.wcag && (v.impact === 'serious' || v.impact === 'critical'));
      const lesser = found.filter((v) => !serious.includes(v));
      if (lesser.length) console.log(`axe: minor, moderate or best-practice findings (not failing):\n${report(lesser)}`);
      assert.equal(serious.length, 0, `axe: serious or critical violations:\n${report(serious)}`);
    },
  };
}
