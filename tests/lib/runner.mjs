// Runner plumbing shared by the browser suites: clean-up on exit, the runner-side checks
// (check, same, waitFor), an origin where nothing listens, what a run must have run (Plan), page errors and the known bugs a runner may tolerate
// (PageErrors), and the end of a run (the last line `N passed, M failed`, exit code 1 on failure,
// also when nothing ran).

import net from 'node:net';

/** Functions to run, last first, when the run ends or is interrupted. */
export const cleanups = [];

export async function cleanup() {
  while (cleanups.length) {
    const f = cleanups.pop();
    try {
      await f();
    } catch {
      /* keep going */
    }
  }
}

/** A failed check of the runner's own (its message is the whole story, no stack needed). */
export class Check extends Error {}

export function check(cond, message) {
  if (!cond) throw new Check(message);
}

/** Equal as JSON, or a Check that shows both. */
export function same(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Check(`${message}:\n    expected ${e}\n    actual   ${a}`);
}

/** Polls a runner-side condition (server state; `pred` may be async) every 20 ms until it holds, or fails after `ms`. */
export async function waitFor(pred, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Check(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An origin on 127.0.0.1 where nothing listens (the port was free a moment ago). */
export function deadOrigin() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(`http://127.0.0.1:${port}`));
    });
  });
}

/**
 * What the case lists of a run name, against what the run ran. A runner calls
 * `listed(group, { all, selected })` when it gets a case list (`all`: the cases the list names,
 * `selected`: the runs the filters keep, cases × transports × repeats) and `ran(group)` once per
 * result of one of those runs. `problems()` names what is wrong: a list that names no case, a
 * group that ran fewer (or more) runs than it selected, filters that select nothing at all.
 */
export class Plan {
  groups = new Map();

  #group(name) {
    if (!this.groups.has(name)) this.groups.set(name, { all: 0, selected: 0, ran: 0, lists: 0 });
    return this.groups.get(name);
  }

  listed(group, { all, selected }) {
    const g = this.#group(group);
    g.lists += 1;
    g.all += all;
    g.selected += selected;
  }

  ran(group, n = 1) {
    this.#group(group).ran += n;
  }

  /** [label, detail] of every problem. */
  problems() {
    const out = [];
    let all = 0;
    let selected = 0;
    for (const [name, g] of this.groups) {
      all += g.all;
      selected += g.selected;
      if (g.lists && g.all === 0) out.push([`${name}: its case list names at least one case`, 'the list is empty']);
      if (g.ran !== g.selected) {
        out.push([`${name}: ran every case run its list names (${g.ran} of ${g.selected})`,
          g.lists ? `${g.selected} runs selected from the list, ${g.ran} results recorded` : `${g.ran} results recorded for a list that never came`]);
      }
    }
    if (this.groups.size && all > 0 && selected === 0) out.push(['the filters select at least one case', `they select none of the ${all} cases listed`]);
    return out;
  }
}

/**
 * Page errors (uncaught exceptions, unhandled rejections) fail the case they happen in, except
 * those of a known bug a runner lists: { id, match: /on the error text/, what, proof }, where
 * `proof` is (a part of) the label of the case that shows the bug. Each listed bug is itself a
 * check: when its proof case ran, the bug must have shown there (otherwise it is gone, and its
 * entry must go); an entry without a proof fails the run. `strict` fails on listed bugs too.
 */
export class PageErrors {
  constructor(knownBugs, { strict = false } = {}) {
    this.knownBugs = knownBugs;
    this.strict = strict;
    this.seen = new Map(); // id -> Set of labels
    this.proofRan = new Set(); // ids whose proof case ran
  }

  /** The errors that fail the case `label`: all but those of listed bugs (unless strict). */
  triage(label, errors) {
    const failing = [];
    for (const bug of this.knownBugs) if (bug.proof && label.includes(bug.proof)) this.proofRan.add(bug.id);
    for (const err of errors || []) {
      const bug = this.knownBugs.find((k) => k.match.test(err));
      if (bug) {
        if (!this.seen.has(bug.id)) this.seen.set(bug.id, new Set());
        this.seen.get(bug.id).add(label);
      }
      if (!bug || this.strict) failing.push(err);
    }
    return failing;
  }

  /** Records the checks on the list itself through `result(label, ok, detail)`, and what was tolerated. */
  report(result) {
    for (const bug of this.knownBugs) {
      const seen = [...(this.seen.get(bug.id) || [])];
      if (!bug.proof) {
        result(`known bug ${bug.id}: names the case that shows it still exists (proof)`, false, `${bug.what}\nan entry without a proof case tolerates errors nobody checks are still the browser's`);
        continue;
      }
      if (this.proofRan.has(bug.id)) {
        const shown = seen.some((l) => l.includes(bug.proof));
        result(`known bug ${bug.id}: still shows in its proof case (${bug.proof})`, shown,
          `no page error of the case matched ${bug.match}: the bug is gone, so remove its entry (${bug.what})`);
      }
      if (seen.length) console.log(`known bug ${this.strict ? 'FAILED' : 'tolerated'} in ${seen.length} case runs (${bug.id}): ${bug.what}\n  in: ${seen.join('; ')}`);
    }
  }
}

/**
 * Runs `main()` and ends the run: on SIGINT/SIGTERM, cleans up and exits with 130 (counting the
 * interruption as a failure); a throw from `main` is the failed test `runner`; then the problems
 * of `plan` (if given) fail, and so does a run that recorded no result at all. The last line is
 * `N passed, M failed` and the exit code 1 on any failure. `tally()` gives { passed, failed }.
 */
export async function runSuite(main, { result, tally, plan }) {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      console.log(`\n${sig}: stopping`);
      cleanup().finally(() => {
        const { passed, failed } = tally();
        console.log(`${passed} passed, ${failed + 1} failed`);
        process.exit(130);
      });
    });
  }
  try {
    await main();
  } catch (e) {
    result('runner', false, e.stack || e.message);
  } finally {
    await cleanup();
  }
  for (const [label, detail] of plan ? plan.problems() : []) result(label, false, detail);
  if (tally().passed + tally().failed === 0) result('the run recorded at least one result', false, 'nothing ran');
  const { passed, failed } = tally();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
