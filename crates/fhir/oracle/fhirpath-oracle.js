// The same dump as `cargo run --example fhirpath-dump`, with HL7's reference engine.
//   npm install fhirpath@5.2.0
//   node crates/fhir/oracle/fhirpath-oracle.js DIR crates/fhir/defs/search-params.json > js.jsonl
// resolve() needs a server in fhirpath.js, so `resolve() is X` is rewritten to the
// equivalent test on the reference string (type prefix, or Reference.type if no string).
const fs = require('fs');
const path = require('path');
const fhirpath = require('fhirpath');
const model = require('fhirpath/fhir-context/r4');

const [dir, paramsFile] = process.argv.slice(2);
const params = JSON.parse(fs.readFileSync(paramsFile, 'utf8'));
const skip = new Set(['composite', 'special']);
const rewrite = (e) => e.replace(/resolve\(\) is (\w+)/g, (_, t) =>
  `(reference.replaceMatches('/_history/.*$', '').matches('(^|/)${t}/[A-Za-z0-9\\\\-\\\\.]{1,64}$') or (reference.empty() and type = '${t}'))`);
const compiled = {};
for (const file of fs.readdirSync(dir).sort()) {
  if (!file.endsWith('.json') || file === 'package.json') continue;
  const full = path.join(dir, file);
  if (fs.statSync(full).size > 2000000) continue;
  const res = JSON.parse(fs.readFileSync(full, 'utf8'));
  for (const [code, type, expr] of params[res.resourceType] || []) {
    if (skip.has(type)) continue;
    const key = res.resourceType + '.' + code;
    let r;
    try {
      compiled[key] = compiled[key] || fhirpath.compile(rewrite(expr), model);
      r = compiled[key](res);
    } catch (err) {
      r = ['ERROR ' + err.message];
    }
    console.log(JSON.stringify({ f: file, p: code, r }));
  }
}
