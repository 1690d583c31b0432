#!/usr/bin/env node
// The builds for environments without WebAssembly (dist/eventsource-wasm.legacy.js, and the ES
// module's fallback to the JavaScript core under a CSP that refuses WebAssembly), in headless
// Chromium against the real test server. Also checks that the legacy script is ES5, that it
// changes no global of the page but EventSourceWasm (and EventSource where there was none), and
// its private stand-ins for what old browsers lack (private-checks.mjs, in Node.js).
// `--dist DIR` serves another build instead of dist/ (e.g. an older one, to see a check fail).
// Prints `N passed, M failed` last; exits non-zero on failure.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import { chromium } from 'playwright-core';
import { startServer } from '../server/sse-server.mjs';
import { freeGlobals } from './free-globals.mjs';
import { checkPrivate } from './private-checks.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const distAt = process.argv.indexOf('--dist');
if (distAt >= 0 && !process.argv[distAt + 1]) throw new Error('--dist needs a directory');
const dist = distAt >= 0 ? resolve(process.argv[distAt + 1]) : join(root, 'dist');
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `\n     ${detail}`}`);
};

// 1. ES5 syntax only.
const legacy = readFileSync(join(dist, 'eventsource-wasm.legacy.js'), 'utf8');
try {
  acorn.parse(legacy, { ecmaVersion: 5 });
  check('legacy script parses as ES5 (acorn, ecmaVersion 5)', true);
} catch (e) {
  check('legacy script parses as ES5 (acorn, ecmaVersion 5)', false, `${e.message}: …${legacy.slice(e.pos - 60, e.pos + 60)}…`);
}

// 2. Nowhere does the script read from the page a global that it keeps private (js/legacy/private.js):
// where the page has none, or an incomplete one of its own, the script must not depend on it.
try {
  const free = freeGlobals(legacy);
  const kept = { Promise: [''], Symbol: [''], queueMicrotask: [''], TextEncoder: [''], TextDecoder: [''], EventTarget: [''], Event: [''],
    MessageEvent: [''], Math: ['imul', 'clz32', 'trunc', 'fround'], Array: ['from'] };
  const read = Object.entries(kept).flatMap(([name, members]) =>
    members.filter((m) => free.has(name) && free.get(name).has(m)).map((m) => (m ? `${name}.${m}` : name)));
  check(`legacy script reads none of the globals it keeps private (${Object.keys(kept).join(', ')}) from the page`,
    read.length === 0 && free.has('setTimeout'), read.length ? `it reads ${read.join(', ')}` : 'the analysis found no free global at all (not even setTimeout)');
} catch (e) {
  check('legacy script reads none of the globals it keeps private from the page', false, e.message);
}

// 3. The private stand-ins, against the real things.
await checkPrivate(check);

// Playwright's page.evaluate and waitForFunction run helpers in the page that use its globals
// (globalThis, Symbol, …), which some pages here have removed, and which the legacy script must
// not bring back: evaluate through the DevTools protocol instead, and poll for conditions.
async function evaluate(cdp, fn, arg) {
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
    expression: `(${fn})(${JSON.stringify(arg)})`,
    returnByValue: true,
  });
  if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description || exceptionDetails.text}`);
  return result.value;
}
async function waitFor(cdp, what, fn, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await evaluate(cdp, fn);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// What each case must have logged (entries are kind:readyState[:lastEventId:data]).
const expected = {
  grow: (log) => eq(log, ['big:3000000:x', ...Array.from({ length: 40 }, (_, i) => `${i + 1}:tick ${i + 1}`)]),
  events: (log) => eq(log, ['open:1', 'tick:1:1:tick 1', 'tick:1:2:tick 2', 'tick:1:3:tick 3']),
  resume: (log) => {
    const ids = log.filter((e) => e.startsWith('message:')).map((e) => e.split(':')[2]);
    const rest = log.filter((e) => !e.startsWith('message:'));
    const alternating = rest.every((e, i) => e === (i % 2 ? 'error:0' : 'open:1'));
    return !eq(ids, ['1', '2', '3', '4', '5']) && alternating && rest.length >= 3 ? null : `log ${JSON.stringify(log)}`;
  },
  retry: (log) => eq(log, ['open:1', 'message:1:1:tick 1', 'error:0', 'open:1', 'message:1:2:tick 2', 'gap:ok']),
  // (A native transport, where the page has EventSource, knows no more than 'native'.)
  iterate: (log) => {
    const reason = /^rejected:EventSource failed: (http-status \(HTTP 500\)|native)$/.test(log[4]) ? log[4] : 'rejected:EventSource failed: http-status (HTTP 500)';
    return eq(log, ['1:tick 1', '2:tick 2', '3:tick 3', 'return:true:2', reason]);
  },
  fail204: (log) => eq(log, ['error:2', 'state:2']),
  fail500: (log) => eq(log, ['error:2', 'state:2']),
  failType: (log) => eq(log, ['error:2', 'state:2']),
  close: (log) => eq(log, ['open:1', 'message:1:1:tick 1', 'closed:2']),
};
// change ('added window.X', 'changed Math.imul', …) → when, told as 'after when, what object: key, key, …'.
function summarise(changes) {
  const groups = new Map();
  for (const [change, when] of changes) {
    const [, what, key] = /^(\w+ [^.]+(?:\.prototype)?)\.(.*)$/.exec(change) || [, change, ''];
    const head = `after ${when}, ${what}`;
    if (!groups.has(head)) groups.set(head, []);
    groups.get(head).push(key);
  }
  const told = [...groups].map(([head, keys]) => `${head}: ${keys.slice(0, 80).join(', ')}${keys.length > 80 ? ', …' : ''}`);
  return `${changes.size} changes: ${told.join('; ')}`;
}

function eq(a, b) {
  return JSON.stringify(a) === JSON.stringify(b) ? null : `got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`;
}

const server = await startServer({
  port: 0,
  ports: 1,
  files: { '/dist/': dist, '/tests/legacy/': join(root, 'tests/legacy') },
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const t0 = Date.now();
try {
  const csp = encodeURIComponent("script-src 'self'");
  // kind: 'stripped' (the legacy script installs EventSource), 'modern' (the legacy script next to
  // a native EventSource, which it must leave alone), 'module' (the ES module, WebAssembly refused).
  const pages = [
    { name: 'legacy script, no WebAssembly/EventSource/fetch/TextDecoder', path: '/tests/legacy/legacy.html', kind: 'stripped' },
    { name: 'legacy script, also no Promise/Symbol', path: '/tests/legacy/legacy.html?strip=Promise,Symbol', kind: 'stripped' },
    {
      name: 'legacy script, as IE11 (also no Promise/Symbol/globalThis/EventTarget/Array.from/typed-array copyWithin, Event not constructible)',
      path: '/tests/legacy/legacy.html?ie=1',
      kind: 'stripped',
    },
    { name: 'legacy script, as IE11 without MutationObserver', path: '/tests/legacy/legacy.html?ie=1&strip=MutationObserver', kind: 'stripped' },
    { name: 'legacy script in an up-to-date page', path: '/tests/legacy/modern.html', kind: 'modern' },
    { name: 'ES module under CSP script-src \'self\'', path: `/tests/legacy/csp.html?csp=${csp}`, kind: 'module' },
    { name: 'ES module without WebAssembly', path: '/tests/legacy/nowasm.html', kind: 'module' },
  ];
  for (const variant of pages) {
    // What the legacy script changed of the page's globals, after it loaded and after each case.
    // change → when it was first seen ('loading' or the case after which)
    const globalChanges = new Map();
    const noteChanges = (when, changes) => changes.forEach((c) => globalChanges.has(c) || globalChanges.set(c, when));
    const reappeared = new Set();
    let globalsChecked = 0;
    for (const name of Object.keys(expected)) {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        const cdp = await page.context().newCDPSession(page);
        await page.goto(server.url + variant.path);
        await waitFor(cdp, 'the page', () => window.runCase && (window.ready || !document.querySelector('script[type=module]')), 5000);
        const env = await evaluate(cdp, () => ({
          notStripped: window.notStripped || [],
          wasmAllowed: window.wasmAllowed,
          hasLegacy: typeof window.EventSourceWasm === 'function',
          polyfilled: typeof window.EventSourceWasm === 'function' && window.EventSource === window.EventSourceWasm,
          changes: window.globalChanges ? window.globalChanges() : null,
          reappeared: window.reappeared ? window.reappeared() : [],
        }));
        if (variant.kind === 'module' && env.wasmAllowed !== false) throw new Error('WebAssembly is still usable in this page');
        if (variant.kind === 'stripped' && !env.polyfilled) throw new Error('the legacy script did not install EventSource');
        if (variant.kind === 'modern' && (!env.hasLegacy || env.polyfilled)) throw new Error('the legacy script did not define EventSourceWasm beside the native EventSource');
        if (env.notStripped.length) throw new Error(`could not remove ${env.notStripped}`);
        if (variant.kind !== 'module') {
          if (!env.changes) throw new Error('globals.js did not run');
          noteChanges('loading', env.changes);
          env.reappeared.forEach((c) => reappeared.add(c));
        }
        // Callbacks, not promises: the page may have lost its Promise.
        await evaluate(cdp, ([n, base]) => {
          window.runCase(n, base, (error, log) => {
            window.caseResult = { error, log };
          });
        }, [name, server.urls[1]]);
        const { error, log } = await waitFor(cdp, 'the case', () => window.caseResult, 12000);
        if (variant.kind !== 'module') {
          const after = await evaluate(cdp, () => ({ changes: window.globalChanges(), reappeared: window.reappeared ? window.reappeared() : [] }));
          noteChanges(name, after.changes);
          after.reappeared.forEach((c) => reappeared.add(c));
          globalsChecked++;
        }
        const problem = error || expected[name](log) || (errors.length ? `page errors: ${errors.join('; ')}` : null);
        check(`${variant.name}: ${name}`, !problem, problem);
      } catch (e) {
        check(`${variant.name}: ${name}`, false, `${e.message}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
      } finally {
        await page.close();
      }
    }
    if (variant.kind === 'stripped') {
      check(`${variant.name}: what was removed before the script is still missing after it and after each case`,
        reappeared.size === 0 && globalsChecked === Object.keys(expected).length,
        reappeared.size ? `there again: ${[...reappeared].join(', ')}` : `checked ${globalsChecked} pages`);
    }
    if (variant.kind !== 'module') {
      const allowed = variant.kind === 'stripped' ? 'EventSourceWasm and EventSource' : 'EventSourceWasm';
      check(`${variant.name}: no global added or changed but ${allowed} (after loading and after each case)`,
        globalChanges.size === 0 && globalsChecked === Object.keys(expected).length,
        globalChanges.size ? summarise(globalChanges) : `checked ${globalsChecked} pages`);
    }
  }
  const fetchedCore = server.getLog('').some((e) => e.path === '/dist/eventsource-wasm.core.mjs');
  check('the pages without WebAssembly loaded the JavaScript core (dist/eventsource-wasm.core.mjs)', fetchedCore);
} finally {
  await browser.close();
  await server.close();
}
console.log(`time: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
