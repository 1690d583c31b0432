// The Node.js environment, run in a child `node` process by tests/envs/run.mjs. The runner writes a
// tiny entry module into a temporary directory whose node_modules/eventsource-wasm is a symlink to
// the project root, so that `import 'eventsource-wasm'` resolves the way it does for a user; that
// entry imports the package by name and hands it to main() below.
//
// Output: `PLAN {all, selected}` for each case list (its length, and how many of it the filter
// keeps), one line per result, `RESULT {json}`, then `DONE`. Settings come from the environment:
// ENVS_A, ENVS_B (two ports of the test server), ENVS_ROOT (the project root), ENVS_CASE (filter).

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createSuite } from './cases.js';

const out = (obj) => process.stdout.write(`RESULT ${JSON.stringify(obj)}\n`);
/** A case list: `all` its length, `selected` how many of it the filter keeps (one RESULT each). */
const plan = (all, selected) => process.stdout.write(`PLAN ${JSON.stringify({ all, selected })}\n`);

export async function main({ mod, before, after, resolved }) {
  const A = process.env.ENVS_A;
  const B = process.env.ENVS_B;
  const root = process.env.ENVS_ROOT;
  const filter = process.env.ENVS_CASE || '';

  // What a user of Node.js 20 gets: no EventSource of its own, and the package by its name.
  const expectedUrl = pathToFileURL(fs.realpathSync(path.join(root, 'dist/index.js'))).href;
  const checks = [
    ['globalThis.EventSource is undefined before the import (Node.js has none)', before === 'undefined', before],
    ['the import defines no global EventSource', after === 'undefined', after],
    [`'eventsource-wasm' resolves (package.json "exports") to dist/index.js`, resolved === expectedUrl, resolved],
    ['the module exports the EventSource class, also as default', typeof mod.EventSource === 'function' && mod.default === mod.EventSource, Object.keys(mod)],
  ];
  const chosen = checks.filter(([label]) => !filter || label.includes(filter) || 'import'.includes(filter));
  plan(checks.length, chosen.length);
  for (const [label, ok, actual] of chosen) {
    out({ label: `import: ${label}`, ok, error: ok ? null : `actual: ${JSON.stringify(actual)}` });
  }
  if (typeof mod.EventSource !== 'function') return;

  // Unhandled rejections would end this process (Node's default); record them per case instead.
  // A child of its own (crash-*.mjs, see run.mjs) shows what happens to a user without a handler.
  let errors = [];
  process.on('unhandledRejection', (r) => {
    errors.push(`unhandled rejection: ${r && typeof r === 'object' ? `${r.name}: ${r.message}` : String(r)}`);
  });
  const takeErrors = () => {
    const e = errors;
    errors = [];
    return e;
  };

  const suite = createSuite({
    EventSource: mod.EventSource,
    A,
    B,
    ctlFetch: globalThis.fetch,
    expectAuto: 'fetch',
    env: 'node',
    ownOrigin: null,
    takeErrors,
    expect: {
      globals: { EventSource: 'undefined', XMLHttpRequest: 'undefined', fetch: 'function', ReadableStream: 'function' },
      available: ['fetch'],
    },
  });
  for (const transport of ['auto', 'fetch']) {
    const names = suite.list(transport);
    const chosen = names.filter((name) => !filter || `${name} [${transport}]`.includes(filter));
    plan(names.length, chosen.length);
    for (const name of chosen) {
      const label = `${name} [${transport}]`;
      const started = Date.now();
      const r = await suite.run(name, transport);
      out({ label, ms: Date.now() - started, ...r });
    }
  }
}
