#!/usr/bin/env node
// The builds for environments without WebAssembly (dist/eventsource-wasm.legacy.js, and the ES
// module's fallback to the JavaScript core under a CSP that refuses WebAssembly), in headless
// Chromium against the real test server. Also checks that the legacy script is ES5.
//
//   node tests/legacy/run.mjs [--case SUBSTRING]
//
// Prints `N passed, M failed` last; exits non-zero on failure, and when fewer cases ran than the
// pages × cases the filter selects (or none at all).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import { launchChromium, withTimeout } from '../lib/browsers.mjs';
import { commandLine } from '../lib/args.mjs';
import { cleanups, Plan, runSuite } from '../lib/runner.mjs';
import { startServer } from '../server/sse-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const opts = commandLine({
  name: 'tests/legacy/run.mjs',
  usage: 'node tests/legacy/run.mjs [--case SUBSTRING]',
  options: { case: { type: 'string' } },
});
let passed = 0;
let failed = 0;
const plan = new Plan();
const check = (name, ok, detail = '') => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `\n     ${detail}`}`);
};

// What each case must have logged (entries are kind:readyState[:lastEventId:data]).
const expected = {
  grow: (log) => eq(log, ['big:3000000:x', ...Array.from({ length: 40 }, (_, i) => `${i + 1}:tick ${i + 1}`)]),
  events: (log) => eq(log, ['open:1', 'tick:1:1:tick 1', 'tick:1:2:tick 2', 'tick:1:3:tick 3']),
  // /drop cuts each connection after 2 events by a reset, which can take with it what the browser
  // had not handed over yet (resent after the resume): how the ids split across connections is
  // timing. Guaranteed: ids 1..5 once each, in order; open at OPEN, errors at CONNECTING, messages
  // only while open; at least 3 connections (2 errors). XHR may report a reset right behind the
  // headers as a bare error (no open), so an error may follow an error.
  resume: (log) => {
    const ids = log.filter((e) => e.startsWith('message:')).map((e) => e.split(':')[2]);
    let open = false;
    let errors = 0;
    for (const e of log) {
      if (e.startsWith('open:')) {
        if (open || e !== 'open:1') return `${e} while open, or not at OPEN: ${JSON.stringify(log)}`;
        open = true;
      } else if (e.startsWith('error:')) {
        if (e !== 'error:0') return `${e}: not at CONNECTING: ${JSON.stringify(log)}`;
        errors++;
        open = false;
      } else if (!open || !e.startsWith('message:1:')) {
        return `${e} while not open: ${JSON.stringify(log)}`;
      }
    }
    return eq(ids, ['1', '2', '3', '4', '5']) || (errors >= 2 ? null : `${errors} errors, at least 2 expected: ${JSON.stringify(log)}`);
  },
  retry: (log) => eq(log, ['open:1', 'message:1:1:tick 1', 'error:0', 'open:1', 'message:1:2:tick 2', 'gap:ok']),
  fail204: (log) => eq(log, ['error:2', 'state:2']),
  fail500: (log) => eq(log, ['error:2', 'state:2']),
  failType: (log) => eq(log, ['error:2', 'state:2']),
  close: (log) => eq(log, ['open:1', 'message:1:1:tick 1', 'closed:2']),
};
function eq(a, b) {
  return JSON.stringify(a) === JSON.stringify(b) ? null : `got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`;
}

async function main() {
  // 1. ES5 syntax only.
  const legacy = readFileSync(join(root, 'dist/eventsource-wasm.legacy.js'), 'utf8');
  try {
    acorn.parse(legacy, { ecmaVersion: 5 });
    check('legacy script parses as ES5 (acorn, ecmaVersion 5)', true);
  } catch (e) {
    check('legacy script parses as ES5 (acorn, ecmaVersion 5)', false, `${e.message}: …${legacy.slice(e.pos - 60, e.pos + 60)}…`);
  }

  const server = await startServer({
    port: 0,
    ports: 1,
    files: { '/dist/': join(root, 'dist'), '/tests/legacy/': join(root, 'tests/legacy') },
  });
  cleanups.push(() => server.close());
  const browser = await launchChromium();
  cleanups.push(() => withTimeout(browser.close(), 10_000, 'closing chromium').catch(() => {}));
  const t0 = Date.now();
  const csp = encodeURIComponent("script-src 'self'");
  const pages = [
    { name: 'legacy script, no WebAssembly/EventSource/fetch/TextDecoder', path: '/tests/legacy/legacy.html' },
    { name: 'legacy script, also no Promise/Symbol', path: '/tests/legacy/legacy.html?strip=Promise,Symbol' },
    { name: 'ES module under CSP script-src \'self\'', path: `/tests/legacy/csp.html?csp=${csp}`, csp: true },
    { name: 'ES module without WebAssembly', path: '/tests/legacy/nowasm.html', csp: true },
  ];
  const names = Object.keys(expected).filter((n) => !opts.case || n.includes(opts.case));
  let caseNames = null;
  for (const variant of pages) {
    plan.listed('the pages × cases', { all: Object.keys(expected).length, selected: names.length });
    for (const name of names) {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(server.url + variant.path);
        await page.waitForFunction(() => window.runCase && (window.ready || !document.querySelector('script[type=module]')), null, { timeout: 5000 });
        const env = await page.evaluate(() => ({
          notStripped: window.notStripped || [],
          wasmAllowed: window.wasmAllowed,
          polyfilled: typeof window.EventSourceWasm === 'function' && window.EventSource === window.EventSourceWasm,
          caseNames: window.caseNames,
        }));
        caseNames ??= env.caseNames;
        if (variant.csp && env.wasmAllowed !== false) throw new Error('WebAssembly is still usable in this page');
        if (!variant.csp && !env.polyfilled) throw new Error('the legacy script did not install EventSource');
        if (env.notStripped.length) throw new Error(`could not remove ${env.notStripped}`);
        // Callbacks, not promises: the page may have lost its Promise.
        await page.evaluate(([n, base]) => {
          window.runCase(n, base, (error, log) => {
            window.caseResult = { error, log };
          });
        }, [name, server.urls[1]]);
        await page.waitForFunction(() => window.caseResult, null, { timeout: 12000 });
        const { error, log } = await page.evaluate(() => window.caseResult);
        const problem = error || expected[name](log) || (errors.length ? `page errors: ${errors.join('; ')}` : null);
        check(`${variant.name}: ${name}`, !problem, problem);
      } catch (e) {
        check(`${variant.name}: ${name}`, false, `${e.message}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
      } finally {
        plan.ran('the pages × cases');
        await page.close();
      }
    }
  }
  // The runner's expectations and the pages' cases are one list: a case without an expectation
  // would never run, an expectation without a case would fail.
  if (caseNames) check('every case of cases.js has an expected log here, and no more', !eq([...caseNames].sort(), Object.keys(expected).sort()), eq([...caseNames].sort(), Object.keys(expected).sort()));
  const fetchedCore = server.getLog('').some((e) => e.path === '/dist/eventsource-wasm.core.mjs');
  if (names.length) check('the pages without WebAssembly loaded the JavaScript core (dist/eventsource-wasm.core.mjs)', fetchedCore);
  console.log(`time: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

await runSuite(main, { result: check, tally: () => ({ passed, failed }), plan });
