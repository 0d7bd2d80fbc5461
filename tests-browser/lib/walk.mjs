// A walk through the portal as the person acted for: the home page, every tile on
// it, and the detail pages of each tile's items, by following the links on the
// pages (so new tiles are walked without changing the tests).
//
// Why shared: the privacy test looks at every address visited and the
// accessibility test at every kind of page; both must see the same pages a person
// can reach.

/** Tile list pages are `/tiles/<tile>`; detail pages `/tiles/<tile>/<handle>`. */
const TILE = /^\/tiles\/[^/]+$/;

async function hrefs(page, selector) {
  return page.locator(selector).evaluateAll((els) => els.map((e) => e.getAttribute('href')));
}

/**
 * Visits home, each tile and up to `detailsPerTile` detail pages of each tile
 * (all when Infinity), calling `visit(page, { kind, tile, path })` on each page
 * once it has loaded. `kind` is "home", "list" or "detail".
 */
export async function walkTiles(page, visit, { detailsPerTile = Infinity } = {}) {
  const home = await page.goto('/');
  await visit(page, { kind: 'home', tile: null, path: '/', response: home });
  const tiles = [...new Set((await hrefs(page, 'main a[href^="/tiles/"]')).filter((h) => TILE.test(h)))];
  if (tiles.length === 0) throw new Error('no tiles on the home page');
  for (const listPath of tiles) {
    const tile = listPath.split('/')[2];
    const response = await page.goto(listPath);
    await visit(page, { kind: 'list', tile, path: listPath, response });
    const details = [...new Set(await hrefs(page, `main a[href^="/tiles/${tile}/"]`))]
      .slice(0, detailsPerTile);
    for (const detailPath of details) {
      const r = await page.goto(detailPath);
      await visit(page, { kind: 'detail', tile, path: detailPath, response: r });
    }
  }
  return tiles;
}
