// A local HelseID stand-in for the workspace's browser tests: `/authorize` approves at
// once as the practitioner set with `logInAs` (redirecting back with a code), `/token`
// checks the PKCE verifier and answers RS256-signed tokens with HelseID's claim names.
// It writes the issuer file and the workspace's login settings for
// `nordlys demo --issuer-config … --workspace-oidc …`.
//
// Why in JavaScript and not the Rust test issuer (crates/testkit/src/oidc.rs): the
// browser tests start the released binary as a separate process; the issuer must run
// beside it, in the test. It signs with the committed, public development key
// (crates/api/dev-keys, never trusted in production).
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from './server.mjs';

export const CLIENT_ID = 'nordlys-workspace';
const KID = 'browser-helseid-1';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function jwt(key, claims) {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: KID }));
  const body = b64url(JSON.stringify(claims));
  const sig = sign('RSA-SHA256', Buffer.from(`${head}.${body}`), key);
  return `${head}.${body}.${b64url(sig)}`;
}

/** Starts the issuer; resolves to `{ issuer, args, logInAs(claims), stop() }`. */
export async function startHelseId() {
  const pem = await readFile(join(REPO_ROOT, 'crates/api/dev-keys/DEV-ONLY-INSECURE-private-key.pem'), 'utf8');
  const key = createPrivateKey(pem);
  const jwk = { ...createPublicKey(key).export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' };
  const codes = new Map();
  let next = null;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      if (!next || q.get('code_challenge_method') !== 'S256') {
        res.writeHead(400).end('nobody to log in, or no PKCE');
        return;
      }
      const code = randomUUID();
      codes.set(code, { challenge: q.get('code_challenge'), nonce: q.get('nonce'), redirect: q.get('redirect_uri'), who: next });
      const back = new URL(q.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state'));
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const f = new URLSearchParams(body);
      const issued = codes.get(f.get('code'));
      codes.delete(f.get('code'));
      const verifier = createHash('sha256').update(f.get('code_verifier') || '').digest('base64url');
      if (!issued || verifier !== issued.challenge || f.get('redirect_uri') !== issued.redirect || f.get('client_id') !== CLIENT_ID) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        return;
      }
      const t = Math.floor(Date.now() / 1000);
      const base = { iss: issuer, sub: `helseid-${issued.who.hpr || 'x'}`, iat: t, nbf: t, exp: t + 600, ...issued.who.claims };
      const idToken = jwt(key, { ...base, aud: CLIENT_ID, nonce: issued.nonce });
      const accessToken = jwt(key, { ...base, aud: 'nordlys-api' });
      res.writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id_token: idToken, access_token: accessToken, token_type: 'Bearer', expires_in: 600 }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const dir = await mkdtemp(join(tmpdir(), 'nordlys-helseid-'));
  await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
  await writeFile(join(dir, 'issuers.json'), JSON.stringify({
    issuers: [{ issuer, audience: [CLIENT_ID, 'nordlys-api'], jwks: 'jwks.json', algorithms: ['RS256'] }],
  }));
  await writeFile(join(dir, 'workspace-oidc.json'), JSON.stringify({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    client_id: CLIENT_ID,
    scope: 'openid profile helseid://scopes/identity/pid helseid://scopes/identity/security_level helseid://scopes/hpr/hpr_number',
    acr_values: '',
  }));
  return {
    issuer,
    args: ['--issuer-config', join(dir, 'issuers.json'), '--workspace-oidc', join(dir, 'workspace-oidc.json')],
    /** The next login: `{ hpr, orgnr, name, level }` (hpr null: no HPR claim). */
    logInAs({ hpr, orgnr, name, level = '4' }) {
      const claims = {
        name,
        'helseid://claims/identity/pid': '13097248022',
        'helseid://claims/identity/security_level': level,
        'helseid://claims/client/claims/orgnr_parent': orgnr,
      };
      if (hpr) claims['helseid://claims/hpr/hpr_number'] = hpr;
      next = { hpr, claims };
    },
    stop: () => new Promise((ok) => server.close(ok)),
  };
}
