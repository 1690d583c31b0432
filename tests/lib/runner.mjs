// Runner plumbing shared by the browser suites: clean-up on exit, an origin where nothing
// listens, and the end of a run (the last line `N passed, M failed`, exit code 1 on failure).

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
 * Runs `main()` and ends the run: on SIGINT/SIGTERM, cleans up and exits with 130 (counting the
 * interruption as a failure); a throw from `main` is the failed test `runner`; the last line is
 * `N passed, M failed` and the exit code 1 on any failure. `tally()` gives { passed, failed }.
 */
export async function runSuite(main, { result, tally }) {
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
  const { passed, failed } = tally();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
