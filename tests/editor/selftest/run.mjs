#!/usr/bin/env node
// Self-test for tests/editor/lsp.mjs: runs every selftest/queries-*.json case
// (plus one stdin case) against the real yaml-language-server and checks the
// results. Prints one line per check and a closing "N passed, N failed" line.
//
//   node tests/editor/selftest/run.mjs            # checks only
//   node tests/editor/selftest/run.mjs --print    # also print each raw output
//
// Needs `npm ci --prefix tests/editor` first.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LSP = path.join(HERE, '..', 'lsp.mjs');
const PRINT = process.argv.includes('--print');

const labels = (r) => r.labels;
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const cases = [
  {
    name: 'settings association, valid doc: hover, enum completion on a filled value, no diagnostics',
    file: 'queries-settings.json',
    checks: [
      ['hover on `name` shows its description', (r) => r[0].contents?.includes('Human-readable name of the thing.')],
      ['completion after `kind: ` (existing value) = enum', (r) => same(labels(r[1]), ['a', 'b'])],
      ['valid doc has no diagnostics', (r) => same(r[2].diagnostics, [])],
    ],
  },
  {
    name: 'settings association, invalid doc: diagnostics',
    file: 'queries-settings-invalid.json',
    checks: [
      ['invalid doc has diagnostics', (r) => r[0].diagnostics.length > 0],
      ['wrong type for `name` reported at 0:6', (r) =>
        r[0].diagnostics.some((d) => d.line === 0 && d.character === 6 && /Expected "string"/.test(d.message))],
      ['bad enum value reported', (r) => r[0].diagnostics.some((d) => d.line === 1 && /Valid values: "a", "b"/.test(d.message))],
      ['additionalProperties:false reported for nested `mem`', (r) =>
        r[0].diagnostics.some((d) => d.line === 4 && /Property mem is not allowed/.test(d.message))],
      ['additionalProperties:false reported for top-level `extra`', (r) =>
        r[0].diagnostics.some((d) => d.line === 5 && /Property extra is not allowed/.test(d.message))],
    ],
  },
  {
    name: 'settings association, completion positions',
    file: 'queries-settings-complete.json',
    checks: [
      ['enum values after `kind: ` (char 6 = after the space)', (r) => same(labels(r[0]), ['a', 'b'])],
      ['top-level keys on an empty line (present keys are left out)', (r) => same(labels(r[1]), ['name'])],
      ['nested key on the indented blank line under `hw:`', (r) => same(labels(r[2]), ['cpus'])],
      ['completion items carry the description as documentation', (r) =>
        r[2].items[0].documentation === 'Number of CPU cores to reserve.'],
    ],
  },
  {
    name: 'settings association, empty document',
    file: 'queries-settings-empty.json',
    checks: [['all top-level keys on the empty line', (r) => same(labels(r[0]), ['hw', 'kind', 'name'])]],
  },
  {
    name: 'modeline association: completion, hover, diagnostics',
    file: 'queries-modeline.json',
    checks: [
      ['enum values after `kind: `', (r) => same(labels(r[0]), ['a', 'b'])],
      ['top-level keys on an empty line', (r) => same(labels(r[1]), ['name'])],
      ['nested key under `hw:`', (r) => same(labels(r[2]), ['cpus'])],
      ['hover on `hw` shows its description', (r) => r[3].contents?.includes('Hardware requirements.')],
      ['incomplete doc has diagnostics', (r) => r[4].diagnostics.length > 0],
    ],
  },
  {
    name: 'modeline association, valid doc',
    file: 'queries-modeline-valid.json',
    checks: [
      ['hover on `name` shows its description', (r) => r[0].contents?.includes('Human-readable name of the thing.')],
      ['valid doc has no diagnostics', (r) => same(r[1].diagnostics, [])],
    ],
  },
  {
    name: 'no schema at all (query on stdin): nothing schema-driven comes back',
    stdin: {
      file: path.join(HERE, 'doc-complete.yaml'),
      queries: [
        { kind: 'completion', line: 0, character: 6 },
        { kind: 'hover', line: 2, character: 0 },
        { kind: 'diagnostics' },
      ],
    },
    checks: [
      ['no enum completion without a schema', (r) => same(labels(r[0]), [])],
      ['no hover without a schema', (r) => r[1].contents === null],
      ['no diagnostics without a schema', (r) => same(r[2].diagnostics, [])],
    ],
  },
];

let passed = 0;
let failed = 0;
for (const c of cases) {
  const args = c.file ? [LSP, path.join(HERE, c.file)] : [LSP];
  const t0 = Date.now();
  const p = spawnSync(process.execPath, args, {
    input: c.stdin ? JSON.stringify(c.stdin) : '',
    encoding: 'utf8',
    timeout: 40000,
  });
  const ms = Date.now() - t0;
  console.log(`# ${c.name} [${c.file ?? 'stdin'}] (${ms} ms)`);
  let results = null;
  if (p.status !== 0) {
    console.log(`not ok - lsp.mjs exited ${p.status} (signal ${p.signal})\n${p.stderr}`);
  } else {
    try {
      results = JSON.parse(p.stdout).results;
    } catch (e) {
      console.log(`not ok - unparsable output: ${e.message}\n${p.stdout}`);
    }
  }
  if (PRINT) console.log(p.stdout.trim());
  for (const [label, check] of c.checks) {
    let ok = false;
    try {
      ok = results != null && !!check(results);
    } catch {
      ok = false;
    }
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok' : 'not ok'} - ${label}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
