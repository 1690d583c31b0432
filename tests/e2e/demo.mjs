#!/usr/bin/env node
// End-to-end test of the demo (www/): a browser acts as a user. Chromium is driven by
// playwright-core, Firefox and WebKit through WebDriver (tests/lib/webdriver-page.mjs gives them the
// part of Playwright's page this file uses).
//
//   node tests/e2e/demo.mjs [--browser chromium|firefox|webkit] [--transport NAME] [--headed] [--strict]
//
// Without --browser, every browser runs at once, each in a child process of its own with its own
// demo server (a restart must not reach the other browsers' streams); their outputs are printed one
// after the other, and the last line adds them up.
// Starts www/server.mjs as a child process (both ports free, `--retry 1000` to keep it fast), waits for
// its `Open http://…` line, opens the page and, for each transport (auto, native, fetch, xhr, longpoll):
//   1. picks it in the selector, clicks Connect: the status shows `open` and the transport in use, the
//      log shows the custom `connecttime` event and at least three messages with consecutive ids;
//      clicks Disconnect: the status shows `closed` and nothing more arrives; clicks Connect again: the
//      same again;
//   2. clicks "Restart stream server" mid-stream (the server closes its listening socket and every
//      connection, and listens again 1.5 s later): the status shows `reconnecting`, the stream port
//      really refuses connections, then the status is `open` again and messages resume with no gap or
//      repeat in their ids; the reconnect carried the last event ID (query parameter or header).
// A page of another origin (the page goes to the stream origin's 404 page, and back after) posts to
// /control/restart with fetch and with a form: both are refused (403, as the server's log says) and the
// stream server stays up.
// Finally, with a stream URL that answers 404, every transport fails for good: the error handler sees
// readyState CLOSED and the status shows `closed`.
// Saves a screenshot of the page to test-output/demo.png (Chromium; demo-<browser>.png for the others;
// failure screenshots and the server's output go to test-output/e2e/). The child server is killed at
// the end, even on failure. (--headed: Chromium only.)
// The last line of output is exactly `N passed, M failed`; the exit code is 1 on any failure.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { BROWSERS, CHROMIUM_ARGS, FirefoxSession, WebKitSession } from '../lib/browsers.mjs';
import { WebDriverPage } from '../lib/webdriver-page.mjs';
import { commandLine, oneOf } from '../lib/args.mjs';
import { PageErrors } from '../lib/runner.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const outRoot = path.join(root, 'test-output');
const outDir = path.join(outRoot, 'e2e');
const CHROMIUM = '/usr/bin/chromium';
const RETRY = 1000; // the server's `retry:`, lowered from the classic 10000 to keep the suite fast
const DOWN = 1500; // how long a restart keeps the stream server down

const TRANSPORTS = ['auto', 'native', 'fetch', 'xhr', 'longpoll'];
// Every browser tested has a native EventSource, so `auto` picks it.
const EXPECTED_TRANSPORT = { auto: 'native', native: 'native', fetch: 'fetch', xhr: 'xhr', longpoll: 'longpoll' };

// Page errors (uncaught exceptions, unhandled rejections) fail a step, except known browser bugs
// listed here, each with the step that shows it still exists (see PageErrors in
// ../lib/runner.mjs); `--strict` fails on them too. None at present.
const KNOWN_BUGS = [
  // { id, match: /regexp on the page error/, what: 'the browser bug, where it shows', proof: 'step name' }
];

// ------------------------------------------------------------------------------------ arguments

// The arguments as given, passed on to the child runs (one per browser) when --browser is absent.
const args = process.argv.slice(2);
const opts = commandLine({
  name: 'tests/e2e/demo.mjs',
  usage: `node tests/e2e/demo.mjs [--browser ${BROWSERS.join('|')}] [--transport ${TRANSPORTS.join('|')}] [--headed] [--strict]`,
  options: { browser: { type: 'string' }, transport: { type: 'string' }, headed: { type: 'boolean' }, strict: { type: 'boolean' } },
  check: (o) => {
    if (o.browser !== undefined) oneOf('--browser', o.browser, BROWSERS);
    if (o.transport !== undefined) oneOf('--transport', o.transport, TRANSPORTS);
  },
});
const only = opts.transport ?? null;
const headed = !!opts.headed;
const BROWSER = opts.browser ?? null;
const pageErrorRules = new PageErrors(KNOWN_BUGS, { strict: !!opts.strict });
const SCREENSHOT = path.join(outRoot, BROWSER === 'chromium' ? 'demo.png' : `demo-${BROWSER}.png`);

// ------------------------------------------------------------------------------------ results

let passed = 0;
let failed = 0;
let page = null;
let currentStep = '';
const pageErrors = []; // {step, text}

async function step(name, fn) {
  currentStep = name;
  const t0 = Date.now();
  const errorsBefore = pageErrors.length;
  try {
    await fn();
    if (page.drainErrors) await page.drainErrors();
    const unknown = pageErrorRules.triage(name, pageErrors.slice(errorsBefore).map((e) => `${e.text} (in ${e.step})`));
    if (unknown.length) throw new Error(`page error: ${unknown.join(' | ')}`);
    passed++;
    console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n     ${String(e.message).split('\n').join('\n     ')}`);
    if (page) {
      const file = path.join(outDir, `fail-${BROWSER}-${name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}.png`);
      await page.screenshot({ path: file, fullPage: true }).then(
        () => console.log(`     screenshot: ${path.relative(root, file)}`),
        () => {},
      );
      const log = await pageLog().catch(() => null);
      if (log) console.log(`     status: ${log.status}\n     last log lines:\n       ${log.lines.slice(-12).join('\n       ')}`);
    }
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// ------------------------------------------------------------------------------------ the demo server

function startServer() {
  const serverLog = fs.createWriteStream(path.join(outDir, `server-${BROWSER}.log`));
  const child = spawn(
    process.execPath,
    [path.join(root, 'www/server.mjs'), '--port', '0', '--page-port', '0', '--retry', String(RETRY), '--down', String(DOWN), '--exit-on-stdin-close'],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo server printed no Open line in 10 s:\n${serverOut}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      serverOut += chunk;
      serverLog.write(chunk);
      const open = /^Open (http:\/\/127\.0\.0\.1:\d+\/)/m.exec(serverOut);
      const stream = /(http:\/\/127\.0\.0\.1:\d+\/event-stream)/.exec(serverOut);
      if (open && stream) {
        clearTimeout(timer);
        resolve({ pageUrl: open[1], streamUrl: stream[1] });
      }
    });
    child.stderr.on('data', (chunk) => {
      serverOut += chunk;
      serverLog.write(chunk);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the demo server exited (${signal || code}) before it was ready:\n${serverOut}`));
    });
  });
  return { child, ready };
}

function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resolves true when nothing listens on the port (the connection is refused). */
function refuses(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e) => resolve(e.code === 'ECONNREFUSED'));
  });
}

// ------------------------------------------------------------------------------------ the page, as a user sees it

const status = () => page.locator('#status');
const connectButton = () => page.locator('#connect');

/** Waits until the status shows `state` (or one of several); returns the one it shows. */
async function waitState(state, timeout = 10_000) {
  const states = [state].flat();
  try {
    await page.waitForFunction((ss) => ss.includes(document.querySelector('#status').dataset.state), states, { timeout, polling: 50 });
  } catch {
    const now = await status().getAttribute('data-state');
    throw new Error(`the status did not become '${states.join("' or '")}' in ${timeout} ms (it is '${now}')`);
  }
  return status().getAttribute('data-state');
}

/** The log lines of one session (one click on Connect), as the page shows them. */
function lines(session) {
  return page.$$eval(`#log li[data-session="${session}"]`, (lis) =>
    lis.map((li) => ({ type: li.dataset.type, id: li.dataset.id, text: li.querySelector('.text').textContent })),
  );
}

async function messageIds(session) {
  return (await lines(session)).filter((l) => l.type === 'message').map((l) => Number(l.id));
}

/** Waits until the session's log satisfies `cond` (run in the page, given the session's lines). */
async function waitLog(session, what, cond, timeout = 10_000) {
  try {
    await page.waitForFunction(
      ([s, src]) => {
        const ls = [...document.querySelectorAll(`#log li[data-session="${s}"]`)].map((li) => ({ type: li.dataset.type, id: li.dataset.id }));
        return new Function('lines', `return (${src})(lines)`)(ls);
      },
      [session, cond.toString()],
      { timeout, polling: 100 },
    );
  } catch {
    const ls = await lines(session);
    throw new Error(`the log never showed ${what} in ${timeout} ms; session ${session} shows: ${ls.map((l) => `${l.type}${l.id ? `#${l.id}` : ''}`).join(' ')}`);
  }
}

function assertConsecutive(ids, what) {
  assert(ids.length > 0, `${what}: no messages`);
  for (let i = 1; i < ids.length; i++) {
    assert(ids[i] === ids[i - 1] + 1, `${what}: ids not consecutive at position ${i}: … ${ids.slice(Math.max(0, i - 3), i + 3).join(', ')} … (all: ${ids.join(',')})`);
  }
}

async function pageLog() {
  return page.evaluate(() => ({
    status: `${document.querySelector('#status').dataset.state} / ${document.querySelector('#status-text').textContent}`,
    lines: [...document.querySelectorAll('#log li')].map((li) => li.innerText.replace(/\s+/g, ' ')),
  }));
}

async function currentSession() {
  return Number(await status().getAttribute('data-session'));
}

/** Clicks Connect with the transport chosen in the selector; returns the new session's number. */
async function connectWith(transport) {
  assert((await connectButton().getAttribute('data-action')) === 'connect', 'the button does not offer Connect');
  await page.selectOption('#transport', transport);
  const before = await currentSession();
  await connectButton().click();
  const session = await currentSession();
  assert(session === before + 1, `Connect did not start a new session (${before} → ${session})`);
  return session;
}

/** Open, the right transport, connecttime and at least three consecutive messages. */
async function expectStreaming(session, transport) {
  await waitState('open');
  const shown = await status().getAttribute('data-transport');
  assert(shown === EXPECTED_TRANSPORT[transport], `transport shown is '${shown}', expected '${EXPECTED_TRANSPORT[transport]}'`);
  const text = await page.locator('#status-text').textContent();
  assert(text.includes('open') && text.includes(`transport: ${shown}`), `status text: ${text}`);
  assert((await connectButton().textContent()).trim() === 'Disconnect', 'the button does not offer Disconnect while open');
  await waitLog(session, 'connecttime and 3 messages', (ls) => ls.some((l) => l.type === 'connecttime') && ls.filter((l) => l.type === 'message').length >= 3);
  const ls = await lines(session);
  const firstConnect = ls.findIndex((l) => l.type === 'connecttime');
  const firstMessage = ls.findIndex((l) => l.type === 'message');
  assert(firstConnect < firstMessage, 'connecttime did not come before the first message');
  assertConsecutive(await messageIds(session), `session ${session}`);
}

async function disconnect() {
  assert((await connectButton().getAttribute('data-action')) === 'disconnect', 'the button does not offer Disconnect');
  await connectButton().click();
  await waitState('closed', 5000);
  assert((await status().getAttribute('data-ready-state')) === '2', 'readyState is not 2 after Disconnect');
  assert((await connectButton().textContent()).trim() === 'Connect', 'the button does not offer Connect after Disconnect');
}

// ------------------------------------------------------------------------------------ the scenarios

let serverOut = ''; // everything the demo server printed (it logs each stream request and how it resumes)

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of fs.readdirSync(outDir)) if (f.startsWith(`fail-${BROWSER}-`)) fs.rmSync(path.join(outDir, f)); // from earlier runs
  if (!fs.existsSync(path.join(root, 'dist/index.js'))) {
    console.log('dist/index.js is missing: run `npm run build` first');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const t0 = Date.now();
  const { child, ready } = startServer();
  const killChild = () => child.kill('SIGKILL');
  process.on('exit', killChild);
  let browser = null;
  let session = null;
  try {
    const { pageUrl, streamUrl } = await ready;
    const streamPort = Number(new URL(streamUrl).port);
    console.log(`demo server: page ${pageUrl}, stream ${streamUrl}`);

    if (BROWSER === 'chromium') {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: !headed, args: CHROMIUM_ARGS });
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' && /Uncaught|unhandled/i.test(m.text())) pageErrors.push({ step: currentStep, text: m.text() });
      });
    } else {
      session = BROWSER === 'firefox' ? new FirefoxSession() : new WebKitSession();
      await session.start({ scriptTimeout: 30_000 });
      page = new WebDriverPage(session.wd);
      await page.setViewportSize({ width: 1100, height: 900 });
    }
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push({ step: currentStep, text: `${e.name}: ${e.message}` }));

    await step('the page loads and imports the package by its name', async () => {
      const response = await page.goto(pageUrl, { waitUntil: 'load' });
      assert(response && response.ok(), `GET ${pageUrl}: HTTP ${response && response.status()}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      assert((await status().getAttribute('data-state')) === 'idle', 'the status is not idle before Connect');
      const map = await page.locator('script[type="importmap"]').textContent();
      assert(JSON.parse(map).imports['eventsource-wasm'] === '/node_modules/eventsource-wasm/dist/index.js', `import map: ${map}`);
      const requested = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
      assert(requested.some((u) => u.endsWith('/node_modules/eventsource-wasm/dist/index.js')), `the package was not loaded through /node_modules/eventsource-wasm/: ${requested.join(', ')}`);
      assert((await page.inputValue('#url')) === streamUrl, 'the page does not show the stream URL');
      const options = await page.$$eval('#transport option', (os) => os.map((o) => o.value));
      assert(JSON.stringify(options) === JSON.stringify(TRANSPORTS), `transport options: ${options}`);
    });

    for (const transport of only ? [only] : TRANSPORTS) {
      let session = null;
      await step(`${transport}: connect, connecttime + 3 messages, disconnect, reconnect`, async () => {
        await page.click('#clear');
        const first = await connectWith(transport);
        await expectStreaming(first, transport);
        await disconnect();
        const afterClose = (await lines(first)).length;
        session = await connectWith(transport);
        await expectStreaming(session, transport);
        const later = await lines(first);
        assert(later.length === afterClose, `session ${first} logged ${later.length - afterClose} more lines after Disconnect`);
      });

      // Firefox's own EventSource fails the connection when a reconnect is refused (the standard
      // lets it); whether its reconnect comes while the server is still down depends on timing.
      const givesUp = BROWSER === 'firefox' && EXPECTED_TRANSPORT[transport] === 'native';
      const outcome = givesUp ? ', or closed (Firefox\'s native class gives up when its reconnect is refused)' : '';
      await step(`${transport}: the stream server stops mid-stream and starts again: reconnecting, no gap, no repeat${outcome}`, async () => {
        assert(session !== null && (await status().getAttribute('data-state')) === 'open', 'not connected (the previous step failed)');
        const before = await messageIds(session);
        const lastBefore = before[before.length - 1];
        const outBefore = serverOut.length;
        await page.click('#restart');
        await waitState('reconnecting', 5000);
        assert(await refuses(streamPort), 'the stream port still accepts connections while the server is stopped');
        const errorLine = (await lines(session)).find((l) => l.type === 'error');
        assert(errorLine && /CONNECTING/.test(errorLine.text), `no 'reconnecting' error line in the log: ${errorLine && errorLine.text}`);
        if ((await waitState(givesUp ? ['open', 'closed'] : 'open', DOWN + 4 * RETRY + 5000)) === 'closed') {
          const last = (await lines(session)).filter((l) => l.type === 'error').pop();
          assert(last && /CLOSED/.test(last.text), `closed without an error line reading CLOSED: ${last && last.text}`);
          assert((await status().getAttribute('data-ready-state')) === '2', 'closed, but readyState is not 2');
          console.log('     (Firefox\'s native class gave up: its reconnect was refused)');
          // The next step connects again: only once the stream server is back.
          const until = Date.now() + DOWN + 5000;
          while (await refuses(streamPort)) {
            assert(Date.now() < until, `the stream server did not come back within ${DOWN + 5000} ms`);
            await new Promise((r) => setTimeout(r, 100));
          }
          return;
        }
        await waitLog(session, `3 messages after id ${lastBefore}`, new Function('ls', `return ls.filter((l) => l.type === 'message' && Number(l.id) > ${lastBefore}).length >= 3`));
        const ids = await messageIds(session);
        assertConsecutive(ids, `session ${session} across the restart`);
        // The reconnect told the server where to resume (the server logs each request): in the
        // Last-Event-ID header (native) or, cross-origin, in the lastEventId query parameter.
        const carrier = EXPECTED_TRANSPORT[transport] === 'native' ? 'Last-Event-ID header' : 'lastEventId query parameter';
        const resumes = [...serverOut.slice(outBefore).matchAll(/resumes after (\d+) \(([^)]+)\)/g)].map((m) => ({ id: Number(m[1]), carrier: m[2] }));
        assert(
          resumes.some((r) => r.id >= lastBefore && r.carrier === carrier),
          `the server saw no reconnect carrying an id >= ${lastBefore} in the ${carrier}: ${JSON.stringify(resumes)}`,
        );
        const sts = await page.locator('#status-text').textContent();
        assert(sts.includes('open'), `status text after the restart: ${sts}`);
        if (transport === (only || 'auto')) {
          await page.screenshot({ path: SCREENSHOT, fullPage: true });
          console.log(`     screenshot: ${path.relative(root, SCREENSHOT)}`);
        }
        await disconnect();
      });
      // Leave the page disconnected for the next transport, whatever happened.
      if ((await connectButton().getAttribute('data-action').catch(() => null)) === 'disconnect') {
        await connectButton().click().catch(() => {});
      }
    }

    await step('a page of another origin cannot restart the stream server (fetch, form post)', async () => {
      // The stream origin's 404 page is another origin than the demo page's (another port): what
      // the browser sends from there is what any site the user visits would send. The page itself
      // goes there and back (Firefox and WebKit are driven through one WebDriver window).
      const controlStatus = () => fetch(new URL('/control/status', pageUrl)).then((r) => r.json());
      const foreign = streamUrl.replace(/\/event-stream$/, '/elsewhere');
      const foreignOrigin = new URL(foreign).origin;
      const restartUrl = new URL('/control/restart', pageUrl).href;
      try {
        assert((await controlStatus()).up === true, 'the stream server is not up before the attempt');
        await page.goto(foreign, { waitUntil: 'load' });
        assert((await page.evaluate(() => location.origin)) === foreignOrigin, `the page is not at ${foreignOrigin}`);
        const outBefore = serverOut.length;
        const sent = await page.evaluate((u) => fetch(u, { method: 'POST', mode: 'no-cors' }).then(() => 'sent', (e) => String(e)), restartUrl);
        assert(sent === 'sent', `the no-cors fetch failed: ${sent}`);
        await page.evaluate((u) => {
          const form = Object.assign(document.createElement('form'), { method: 'POST', action: u });
          document.body.append(form);
          form.submit();
        }, restartUrl);
        // The form's answer replaces the page; reads fail while the document is being replaced.
        const whereNow = () => page.evaluate(() => (document.readyState === 'complete' ? location.href : null)).catch(() => null);
        for (const deadline = Date.now() + 10_000; (await whereNow()) !== restartUrl; await new Promise((r) => setTimeout(r, 100))) {
          assert(Date.now() < deadline, `the form post did not navigate to ${restartUrl} in 10 s (the page is at ${await whereNow()})`);
        }
        // The server answers 403 exactly when it logs a refusal (WebDriver does not tell a
        // navigation's status): one for the fetch and one for the form, each naming the page's
        // origin. The server logs before it answers, but its output reaches us on its own schedule.
        const refusals = () => [...serverOut.slice(outBefore).matchAll(/restart refused: (.*)/g)].map((m) => m[1]);
        for (const deadline = Date.now() + 5000; refusals().length < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
        assert(refusals().length === 2, `the server logged ${refusals().length} refused restarts, expected 2 (fetch and form): ${JSON.stringify(refusals())}`);
        for (const r of refusals()) assert(r.includes(JSON.stringify(foreignOrigin)), `a refusal that does not name the other origin ${foreignOrigin}: ${r}`);
        const after = await controlStatus();
        assert(after.up === true, `the stream server was stopped by another origin: ${JSON.stringify(after)}`);
      } finally {
        // Should it have been stopped after all, the next step needs it back, and the demo page.
        for (const deadline = Date.now() + DOWN + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
          const up = await controlStatus().then((st) => st.up, () => false);
          if (up) break;
        }
        await page.goto(pageUrl, { waitUntil: 'load' });
        await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      }
    });

    await step('every transport: a URL that answers 404 makes the error handler see CLOSED', async () => {
      const bad = streamUrl.replace(/\/event-stream$/, '/no-such-stream');
      await page.fill('#url', bad);
      try {
        for (const transport of only ? [only] : TRANSPORTS) {
          currentStep = `404 with ${transport}`;
          const session = await connectWith(transport);
          await waitState('closed');
          const ls = await lines(session);
          const error = ls.find((l) => l.type === 'error');
          assert(error && /CLOSED/.test(error.text), `${transport}: no error line reading CLOSED: ${JSON.stringify(ls)}`);
          assert(!ls.some((l) => l.type === 'open' || l.type === 'message'), `${transport}: open or message from a 404`);
          assert((await connectButton().getAttribute('data-action')) === 'connect', `${transport}: the button does not offer Connect`);
        }
      } finally {
        await page.fill('#url', streamUrl);
      }
    });
  } catch (e) {
    failed++;
    console.log(`FAIL setup: ${e.message}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (session) await session.stop();
    await stopServer(child);
    process.off('exit', killChild);
  }

  pageErrorRules.report((label, ok, detail) => {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${ok ? '' : `\n     ${detail}`}`);
  });
  // Every step of the plan ran (a step that is never reached must not pass unseen).
  const planned = 3 + 2 * (only ? 1 : TRANSPORTS.length);
  const ran = passed + failed;
  if (ran < planned) {
    failed++;
    console.log(`FAIL every step ran: ${ran} results for ${planned} steps`);
  }
  console.log(`time: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

/** Without --browser: every browser at once, each in a child process (see the top of this file). */
async function all() {
  const t0 = Date.now();
  const runs = BROWSERS.map((b) => new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--browser', b, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    child.on('close', (code, signal) => resolve({ b, out, code, signal }));
  }));
  const total = [0, 0];
  for (const { b, out, code, signal } of await Promise.all(runs)) {
    console.log(`--- ${b}\n${out.trimEnd()}`);
    const m = /^(\d+) passed, (\d+) failed$/.exec(out.trimEnd().split('\n').pop());
    if (m) {
      total[0] += Number(m[1]);
      total[1] += Number(m[2]);
    }
    // A count of no failures from a run that did not exit 0 (or no count at all) is one more failure.
    if (!m || (Number(m[2]) === 0 && code !== 0)) {
      total[1]++;
      console.log(`FAIL ${b}: the run ended with exit ${signal || code}${m ? '' : ' and without its count'}`);
    }
  }
  console.log(`time: ${((Date.now() - t0) / 1000).toFixed(1)} s (the browsers at once)`);
  console.log(`${total[0]} passed, ${total[1]} failed`);
  process.exitCode = total[1] > 0 ? 1 : 0;
}

if (BROWSER) await main();
else await all();
