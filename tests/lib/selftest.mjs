#!/usr/bin/env node
// Self-test of the runners themselves: a run that ran nothing, or fewer cases than its lists name,
// fails; a known-bug entry that nobody shows still exists fails; the reliability suite's resume
// rule accepts what a reset may do and rejects loss, repeats and wrong resumes; every command line
// rejects a mistyped flag (exit code 2, a message naming it, the usage) before doing anything.
//
//   node tests/lib/selftest.mjs [--quick]
//
// --quick leaves out the part that starts browsers (each browser runner once, with a --case
// filter that matches nothing: it must fail); that part needs a build (`npm run build`).
// The last line is `N passed, M failed`; the exit code is 1 on any failure.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine } from './args.mjs';
import { PageErrors, Plan } from './runner.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const opts = commandLine({ name: 'tests/lib/selftest.mjs', usage: 'node tests/lib/selftest.mjs [--quick]', options: { quick: { type: 'boolean' } } });

let passed = 0;
let failed = 0;
function result(label, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}`);
  if (!ok && detail) console.log(String(detail).split('\n').map((l) => `     ${l}`).join('\n'));
}
const same = (label, actual, expected) => result(label, JSON.stringify(actual) === JSON.stringify(expected), `expected ${JSON.stringify(expected)}\nactual   ${JSON.stringify(actual)}`);

/** Runs `node args…` in the project root; resolves to { code, stdout, stderr, ms }. */
function node(args, timeout = 120_000) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}
const lastLine = (s) => s.trim().split('\n').at(-1);

// ------------------------------------------------------------------------------------ Plan

{
  const p = new Plan();
  same('Plan: nothing listed, nothing ran: no problem of its own (runSuite fails an empty run)', p.problems(), []);
  p.listed('page A', { all: 3, selected: 6 });
  for (let i = 0; i < 6; i++) p.ran('page A');
  same('Plan: a list run in full: no problem', p.problems(), []);
  p.ran('page A');
  same('Plan: more results than selected runs: a problem', p.problems().map(([l]) => l), ['page A: ran every case run its list names (7 of 6)']);
  const q = new Plan();
  q.listed('page A', { all: 3, selected: 6 });
  for (let i = 0; i < 5; i++) q.ran('page A');
  q.listed('page B', { all: 0, selected: 0 });
  same('Plan: a run short of its list, and an empty list: both problems', q.problems().map(([l]) => l),
    ['page A: ran every case run its list names (5 of 6)', 'page B: its case list names at least one case']);
  const r = new Plan();
  r.listed('page A', { all: 3, selected: 0 });
  r.listed('page B', { all: 2, selected: 0 });
  same('Plan: filters that select nothing anywhere: a problem', r.problems().map(([l]) => l), ['the filters select at least one case']);
  const s = new Plan();
  s.listed('page A', { all: 3, selected: 0 });
  s.listed('page B', { all: 2, selected: 1 });
  s.ran('page B');
  same('Plan: a filter that selects a case on one page only: no problem', s.problems(), []);
}

// ------------------------------------------------------------------------------------ PageErrors

{
  const bug = { id: 'b1', match: /^boom\b/, what: 'a browser throws boom', proof: 'shows-boom' };
  const record = () => {
    const out = [];
    return { out, result: (label, ok) => out.push([label, ok]) };
  };
  let pe = new PageErrors([bug]);
  same('PageErrors: a listed error is tolerated, another fails', [pe.triage('x shows-boom [fetch]', ['boom 1']), pe.triage('y', ['boom 2', 'other'])], [[], ['other']]);
  let r = record();
  pe.report(r.result);
  same('PageErrors: the bug showed in its proof case: its check passes', r.out, [['known bug b1: still shows in its proof case (shows-boom)', true]]);
  pe = new PageErrors([bug]);
  pe.triage('x shows-boom [fetch]', []);
  r = record();
  pe.report(r.result);
  same('PageErrors: the proof case ran without the error: the entry is stale, the run fails', r.out, [['known bug b1: still shows in its proof case (shows-boom)', false]]);
  pe = new PageErrors([bug]);
  pe.triage('y', ['boom']);
  r = record();
  pe.report(r.result);
  same('PageErrors: the proof case did not run (filtered out): no verdict', r.out, []);
  pe = new PageErrors([{ ...bug, proof: undefined }]);
  r = record();
  pe.report(r.result);
  same('PageErrors: an entry without a proof case fails the run', r.out, [['known bug b1: names the case that shows it still exists (proof)', false]]);
  pe = new PageErrors([bug], { strict: true });
  same('PageErrors: --strict fails on a listed error', pe.triage('x shows-boom', ['boom']), ['boom']);
}

// ------------------------------------------------------------------------------------ in-page assertions

{
  // The browser, options and envs cases fail when they ran no assertion: the count must move.
  const ph = await import('./page-helpers.js');
  const before = ph.assertions();
  ph.eq(1, 1, 'one');
  ph.assert(true, 'two');
  let failedToo = 0;
  try {
    ph.assert(false, 'three');
  } catch {
    failedToo = 1;
  }
  same('page-helpers: every assert and eq is counted, failing ones too', [ph.assertions() - before, failedToo], [3, 1]);
}

// ------------------------------------------------------------------------------------ runSuite

{
  const suite = (body) => ['--input-type=module', '-e', `
    import { Plan, runSuite } from './tests/lib/runner.mjs';
    let passed = 0, failed = 0;
    const result = (label, ok) => { if (ok) passed++; else failed++; console.log((ok ? 'ok   ' : 'FAIL ') + label); };
    const plan = new Plan();
    await runSuite(async () => { ${body} }, { result, tally: () => ({ passed, failed }), plan });`];
  let r = await node(suite(''));
  same('runSuite: a run that recorded no result fails (exit 1)', [r.code, lastLine(r.stdout), r.stdout.includes('FAIL the run recorded at least one result')], [1, '0 passed, 1 failed', true]);
  r = await node(suite("plan.listed('p', { all: 2, selected: 2 }); plan.ran('p'); result('p: case 1', true);"));
  same('runSuite: a run short of its case list fails (exit 1)', [r.code, lastLine(r.stdout)], [1, '1 passed, 1 failed']);
  r = await node(suite("plan.listed('p', { all: 2, selected: 0 }); result('a check outside the list', true);"));
  same('runSuite: filters that select nothing fail the run, whatever else passed', [r.code, lastLine(r.stdout), r.stdout.includes('FAIL the filters select at least one case')], [1, '1 passed, 1 failed', true]);
  r = await node(suite("plan.listed('p', { all: 2, selected: 1 }); plan.ran('p'); result('p: case 1', true);"));
  same('runSuite: a run of what it selected passes (exit 0)', [r.code, lastLine(r.stdout)], [0, '1 passed, 0 failed']);
}

// ------------------------------------------------------------------------------------ the resume rule

// tests/reliability's rule for streams cut by resets and ends, on event logs as the page records
// them. The first is what a fresh busy machine once gave for `cut-mid-event [fetch] drop`: the
// reset took event 2 with it, so the first connection showed event 1 only; an exact-sequence
// check failed on it although nothing was lost. The rest are logs the rule must reject.
{
  const { checkResumes } = await import('../reliability/resume-rule.js');
  const O = { type: 'open', rs: 1 };
  const M = (id) => ({ type: 'message', rs: 1, id: String(id), data: `tick ${id}` });
  const E = (reason, rs = 0) => ({ type: 'error', rs, reason });
  // One server log entry per request: [how the last event ID came, its value, how the server cut it, whole events written, the cut event].
  const R = (via, id, outcome, sent, cut) => ({ lastEventIdSource: via, lastEventIdUsed: id, ...(outcome ? { outcome, sent, cut: { id: cut } } : { sent }) });
  const verdict = (transport, events, log) => {
    const t = {
      transport,
      checks: [],
      reason: (r) => (transport === 'native' ? 'native' : r),
      check(name, ok) { this.checks.push([name, !!ok]); },
      eq(name, a, e) { this.check(name, JSON.stringify(a) === JSON.stringify(e)); },
    };
    checkResumes(t, 'x', { log: events }, log, 6, { via: 'header' });
    return t.checks.filter(([, ok]) => !ok).map(([name]) => name.replace(/^x: /, '').replace(/ \(.*/, ''));
  };
  const lossy = [O, M(1), E('network'), O, M(2), E('network'), O, M(3), M(4), E('network'), O, M(5), M(6)];
  const lossyLog = [R(null, null, 'drop', 2, 3), R('header', '1', 'drop', 1, 3), R('header', '2', 'drop', 2, 5), R('header', '4', null, 2)];
  same('resume rule: a reset took event 2 with it (the flaky run): it holds', verdict('fetch', lossy, lossyLog), []);
  const exact = [O, M(1), M(2), E('end-of-stream'), O, M(3), M(4), E('end-of-stream'), O, M(5), M(6)];
  const exactLog = [R(null, null, 'end', 2, 3), R('header', '2', 'end', 2, 5), R('header', '4', null, 2)];
  same('resume rule: clean ends, nothing lost: it holds', verdict('fetch', exact, exactLog), []);
  const EACH = 'each connection: open, its messages';
  const RESUMES = 'each request resumes after the last id the page had when it was made';
  same('resume rule: a clean end that lost an event: rejected',
    verdict('fetch', [O, M(1), E('end-of-stream'), O, M(2), M(3), M(4), E('end-of-stream'), O, M(5), M(6)], [R(null, null, 'end', 2, 3), R('header', '1', 'end', 3, 5), R('header', '4', null, 2)]), [EACH]);
  same('resume rule: a repeated event: rejected', verdict('fetch', [O, M(1), M(2), E('network'), O, M(2), M(3), M(4), E('network'), O, M(5), M(6)],
    [R(null, null, 'drop', 2, 3), R('header', '2', 'drop', 3, 5), R('header', '4', null, 2)]), ['ids 1..6, each exactly once, in order']);
  same('resume rule: a reconnect that resumed elsewhere than after the last id the page had: rejected',
    verdict('fetch', lossy, [R(null, null, 'drop', 2, 3), R('header', '2', 'drop', 1, 3), R('header', '2', 'drop', 2, 5), R('header', '4', null, 2)]), [RESUMES]);
  same('resume rule: the wrong error reason for a reset: rejected', verdict('fetch', lossy.map((e) => (e.type === 'error' ? E('end-of-stream') : e)), lossyLog), [EACH]);
  same('resume rule: an error at CLOSED: rejected', verdict('fetch', lossy.map((e, i) => (i === 2 ? E('network', 2) : e)), lossyLog), [EACH]);
  same('resume rule: a missing error: rejected', verdict('fetch', lossy.filter((e, i) => i !== 2), lossyLog).includes('one error per request the server cut, none after the last'), true);
  same('resume rule: more events on a connection than the server wrote: rejected',
    verdict('fetch', lossy, [R(null, null, 'drop', 0, 3), ...lossyLog.slice(1)]), [EACH]);
  const bare = [O, M(1), E('network'), E('network'), O, M(2), E('network'), O, M(3), M(4), E('network'), O, M(5), M(6)];
  const bareLog = [R(null, null, 'drop', 2, 3), R('header', '1', 'drop', 1, 3), ...lossyLog.slice(1)];
  same('resume rule: an error without an open after a reset: allowed for XHR only', [verdict('xhr', bare, bareLog), verdict('fetch', bare, bareLog)], [[], [EACH]]);
}

// ------------------------------------------------------------------------------------ command lines

// Each: [script and good arguments, a mistake, what the message must name]. All of them stop
// before they build, serve or launch anything.
const CLIS = [
  [['tests/browser/run.mjs'], ['--brwoser', 'chromium'], "'--brwoser'"],
  [['tests/browser/run.mjs'], ['--browser', 'safari'], 'safari'],
  [['tests/browser/run.mjs'], ['--repeat', '0'], '--repeat'],
  [['tests/browser/run.mjs'], ['--panic-probe', 'x', '--case', 'y'], '--case'],
  [['tests/options/run.mjs'], ['--cse', 'x'], "'--cse'"],
  [['tests/envs/run.mjs'], ['--env', 'node,browser'], 'browser'],
  [['tests/envs/run.mjs'], ['--strict=yes'], '--strict'],
  [['tests/reliability/run.mjs'], ['--transprt', 'xhr'], "'--transprt'"],
  [['tests/reliability/run.mjs'], ['--transport', 'websocket'], 'websocket'],
  [['tests/reliability/run.mjs'], ['--case'], "'--case <value>'"],
  [['tests/legacy/run.mjs'], ['--verbose'], "'--verbose'"],
  [['tests/legacy/run.mjs'], ['--browser', 'chromium,ie11'], 'ie11'],
  [['tests/e2e/demo.mjs'], ['--transport', 'ws'], 'ws'],
  [['tests/e2e/demo.mjs'], ['--headles'], "'--headles'"],
  [['tests/e2e/demo.mjs'], ['--browser', 'safari'], 'safari'],
  [['tests/e2e/demo-server.mjs'], ['--quick'], "'--quick'"],
  [['tests/package/contents.mjs'], ['--npm-only'], "'--npm-only'"],
  [['tests/server/sse-server.mjs', '--port', '0'], ['--prots', '2'], "'--prots'"],
  [['tests/lib/selftest.mjs'], ['--quik'], "'--quik'"],
  [['bench/run.mjs'], ['--quik'], "'--quik'"],
  [['bench/run.mjs'], ['--rounds', 'three'], 'three'],
  [['bench/pipeline.mjs'], ['--workload', 'a'], "'--workload'"],
  [['bench/profile.mjs'], ['--workloads', 'a'], "'--workloads'"],
  [['bench/dispatch-cost.mjs'], ['--rounds', '3'], "'--rounds'"],
  [['scripts/build.mjs'], ['--panic-prob', 'x'], "'--panic-prob'"],
  [['scripts/build.mjs'], ['stray'], "'stray'"],
  [['scripts/readme-figures.mjs'], ['--chek'], "'--chek'"],
];
for (const [script, mistake, named] of CLIS) {
  const r = await node([...script, ...mistake], 30_000);
  const ok = r.code === 2 && r.stderr.includes(named) && /usage/.test(r.stderr);
  result(`${[...script, ...mistake].join(' ')}: exit 2, the message names ${named} and shows the usage (${r.ms} ms)`, ok,
    `exit ${r.code}\nstderr: ${r.stderr.trim().split('\n').slice(0, 4).join('\n        ')}\nstdout: ${r.stdout.trim().split('\n').slice(-3).join('\n        ')}`);
}

// ------------------------------------------------------------------------------------ filters that select nothing

if (!opts.quick) {
  const NOTHING = 'no-such-case-3f9a';
  const runs = [
    ['tests/browser/run.mjs', '--browser', 'chromium', '--page', 'module', '--case', NOTHING],
    ['tests/options/run.mjs', '--browser', 'chromium', '--case', NOTHING],
    ['tests/envs/run.mjs', '--env', 'node,old', '--browser', 'chromium', '--case', NOTHING],
    ['tests/reliability/run.mjs', '--case', NOTHING],
    ['tests/legacy/run.mjs', '--browser', 'chromium', '--case', NOTHING],
  ];
  for (const args of runs) {
    const r = await node(args, 180_000);
    const ok = r.code === 1 && /^\d+ passed, [1-9]\d* failed$/.test(lastLine(r.stdout)) && r.stdout.includes('FAIL the filters select at least one case');
    result(`${args.join(' ')}: a filter that selects nothing fails the run (${r.ms} ms)`, ok,
      `exit ${r.code}\n${r.stdout.trim().split('\n').slice(-6).join('\n')}\n${r.stderr.trim().split('\n').slice(-4).join('\n')}`);
  }
}

if (passed + failed === 0) result('the self-test ran at least one check', false);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
