#!/usr/bin/env node
// The builds for environments without WebAssembly (dist/eventsource-wasm.legacy.js, and the ES
// module's fallback to the JavaScript core under a CSP that refuses WebAssembly), in headless
// Chromium (playwright-core), Firefox (geckodriver) and WebKit (WebKitWebDriver) against the real
// test server, the three at once. Also checks that the legacy script is ES5.
//
//   node tests/legacy/run.mjs [--browser chromium,firefox,webkit]
//
// Prints `N passed, M failed` last; exits non-zero on failure.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import { BROWSERS, ChromiumSession, FirefoxSession, WebKitSession, withTimeout } from '../lib/browsers.mjs';
import { startServer } from '../server/sse-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '', ms = undefined) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ms === undefined ? '' : ` (${ms} ms)`}${ok || !detail ? '' : `\n     ${detail}`}`);
};

let browsers = [...BROWSERS];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const [name, inline] = args[i].includes('=') ? args[i].split(/=(.*)/s) : [args[i], args[++i]];
  if (name === '--browser' && inline) browsers = inline.split(',');
  else {
    console.error(`unknown argument: ${args[i]}\nusage: node tests/legacy/run.mjs [--browser ${BROWSERS.join(',')}]`);
    process.exit(2);
  }
}
for (const b of browsers) {
  if (!BROWSERS.includes(b)) {
    console.error(`--browser: unknown browser ${b} (one of ${BROWSERS.join(', ')})`);
    process.exit(2);
  }
}

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

// ------------------------------------------------------------------------------------ drivers
// They only load pages: a page runs its case itself (tests/legacy/auto.js) and reports the result
// to the server, since it may have lost the Promise a WebDriver script would need.

class ChromiumPages extends ChromiumSession {
  async load(url) {
    if (this.page) await this.page.close().catch(() => {});
    this.page = await this.context.newPage();
    const response = await this.page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    if (!response || !response.ok()) throw new Error(`GET ${url}: HTTP ${response && response.status()}`);
  }
}

const webDriverPages = (Session) => class extends Session {
  start() {
    return super.start({ scriptTimeout: 15_000 });
  }

  load(url) {
    return this.wd.navigate(url);
  }
};
const DRIVERS = { chromium: ChromiumPages, firefox: webDriverPages(FirefoxSession), webkit: webDriverPages(WebKitSession) };
// Tells the browsers' requests apart in the server's log (they run at once).
const USER_AGENT = { chromium: /Chrome\//, firefox: /Firefox\//, webkit: /^(?!.*Chrome).*Safari\// };

/** The report of the page that ran case `key` (auto.js), once the server has it (bounded by `ms`). */
async function pageReport(key, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const entry = server.getLog(key).find((e) => e.method === 'POST');
    if (entry) return JSON.parse(entry.body);
    if (Date.now() > deadline) throw new Error(`the page reported no result within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ------------------------------------------------------------------------------------ the run

const server = await startServer({
  port: 0,
  ports: 1,
  files: { '/dist/': join(root, 'dist'), '/tests/legacy/': join(root, 'tests/legacy'), '/tests/lib/': join(root, 'tests/lib') },
});
const csp = encodeURIComponent("script-src 'self'");
// `wasm(browser)`: whether WebAssembly must be usable in the page (ES module pages only).
const pages = [
  { id: 'legacy', name: 'legacy script, no WebAssembly/EventSource/fetch/TextDecoder', path: '/tests/legacy/legacy.html', legacy: true },
  { id: 'legacy-nopromise', name: 'legacy script, also no Promise/Symbol', path: '/tests/legacy/legacy.html?strip=Promise,Symbol', legacy: true },
  {
    id: 'csp',
    name: 'ES module under CSP script-src \'self\'',
    // WebKit 2.50 blocks inline scripts under this policy but still compiles WebAssembly (Chromium
    // and Firefox refuse it without 'wasm-unsafe-eval'), so there the wasm build runs.
    webkit: ' (WebKit does not refuse WebAssembly under it: the wasm build runs, not the JavaScript core)',
    path: `/tests/legacy/csp.html?csp=${csp}`,
    wasm: (b) => b === 'webkit',
  },
  { id: 'nowasm', name: 'ES module without WebAssembly', path: '/tests/legacy/nowasm.html', wasm: () => false },
];

async function runBrowser(b) {
  const driver = new DRIVERS[b]();
  const t0 = Date.now();
  try {
    await withTimeout(driver.start(), 60_000, `starting ${b}`);
  } catch (e) {
    check(`${b}: start the browser`, false, e.stack || e.message);
    await driver.stop();
    return;
  }
  try {
    for (const variant of pages) {
      for (const name of Object.keys(expected)) {
        const label = `${b}: ${variant.name}${variant[b] || ''}: ${name}`;
        const key = `${b}-${variant.id}-${name}-${Date.now().toString(36)}`;
        const url = `${server.url}${variant.path}${variant.path.includes('?') ? '&' : '?'}case=${name}&base=${encodeURIComponent(server.urls[1])}&report=${key}`;
        const started = Date.now();
        try {
          await driver.load(url);
          const { error, log, env, pageErrors } = await pageReport(key, 15_000);
          const wasm = !variant.legacy && variant.wasm(b);
          let problem = null;
          if (!env) problem = error;
          else if (env.notStripped.length) problem = `could not remove ${env.notStripped}`;
          else if (variant.legacy && !env.polyfilled) problem = 'the legacy script did not install EventSource';
          else if (!variant.legacy && env.wasmAllowed !== wasm) problem = wasm ? 'WebAssembly is refused in this page' : 'WebAssembly is still usable in this page';
          else problem = error || expected[name](log) || (pageErrors.length ? `page errors: ${pageErrors.join('; ')}` : null);
          check(label, !problem, problem, Date.now() - started);
        } catch (e) {
          check(label, false, e.message, Date.now() - started);
        }
      }
    }
    const fetchedCore = server.getLog('').some((e) => e.path === '/dist/eventsource-wasm.core.mjs' && USER_AGENT[b].test(e.headers['user-agent'] || ''));
    check(`${b}: the pages without WebAssembly loaded the JavaScript core (dist/eventsource-wasm.core.mjs)`, fetchedCore);
  } finally {
    await driver.stop();
    console.log(`${b}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

const t0 = Date.now();
try {
  // The browsers share the server and nothing else; at once, the suite takes the slowest one's time.
  await Promise.all(browsers.map(runBrowser));
} finally {
  await server.close();
}
console.log(`time: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
