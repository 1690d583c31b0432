#!/usr/bin/env node
// The builds for environments without WebAssembly (dist/eventsource-wasm.legacy.js, and the ES
// module's fallback to the JavaScript core under a CSP that refuses WebAssembly), in headless
// Chromium against the real test server. Also checks that the legacy script is ES5.
// Prints `N passed, M failed` last; exits non-zero on failure.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import { chromium } from 'playwright-core';
import { startServer } from '../server/sse-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `\n     ${detail}`}`);
};

// 1. ES5 syntax only.
const legacy = readFileSync(join(root, 'dist/eventsource-wasm.legacy.js'), 'utf8');
try {
  acorn.parse(legacy, { ecmaVersion: 5 });
  check('legacy script parses as ES5 (acorn, ecmaVersion 5)', true);
} catch (e) {
  check('legacy script parses as ES5 (acorn, ecmaVersion 5)', false, `${e.message}: …${legacy.slice(e.pos - 60, e.pos + 60)}…`);
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
  fail204: (log) => eq(log, ['error:2', 'state:2']),
  fail500: (log) => eq(log, ['error:2', 'state:2']),
  failType: (log) => eq(log, ['error:2', 'state:2']),
  close: (log) => eq(log, ['open:1', 'message:1:1:tick 1', 'closed:2']),
};
function eq(a, b) {
  return JSON.stringify(a) === JSON.stringify(b) ? null : `got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`;
}

const server = await startServer({
  port: 0,
  ports: 1,
  files: { '/dist/': join(root, 'dist'), '/tests/legacy/': join(root, 'tests/legacy') },
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
  const pages = [
    { name: 'legacy script, no WebAssembly/EventSource/fetch/TextDecoder', path: '/tests/legacy/legacy.html' },
    { name: 'legacy script, also no Promise/Symbol', path: '/tests/legacy/legacy.html?strip=Promise,Symbol' },
    { name: 'ES module under CSP script-src \'self\'', path: `/tests/legacy/csp.html?csp=${csp}`, csp: true },
    { name: 'ES module without WebAssembly', path: '/tests/legacy/nowasm.html', csp: true },
  ];
  for (const variant of pages) {
    for (const name of Object.keys(expected)) {
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
        }));
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
        await page.close();
      }
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
