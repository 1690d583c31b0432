// A source made while only the engine's front runs (js/core.js): what it does until the whole
// engine is in. In the bundles that carry the whole engine from the start, their build puts an
// empty module in this one's place (scripts/wasm-steps.mjs `wholeEngine`).

import { now } from './host.js';
import { numbers, put, text, x } from './core.js';
import { loadWhole } from './load-whole.js';
import { CMD_REQUEST } from './protocol.js';
import { EMIT_ERROR_CLOSED } from './reports.js';

/**
 * Waits for the whole engine; then `make(options())` makes `source` in it. Meanwhile `first`
 * (the front's answer: the request's numbers, then its text), if any, goes out as the
 * source's first request, and whatever happens (its response and body, the page's lifecycle)
 * is kept in order, to be told once the source runs. The source must then start with that
 * same request, which it adopts: the front and the whole engine are one code (tests/source.rs
 * checks that they agree); a difference would be a bug, and fails the source as one.
 */
export function wait(source, options, make, first) {
  const w = (source.waiting = { first, sent: false, queue: [] });
  // Loaded right after the constructor, with its first request, rather than in it: starting an
  // import() costs a page 0.8–1.9 ms (measured in Chromium), which the constructor need not pay.
  Promise.resolve().then(loadWhole).then(
    () => {
      if (source.waiting !== w) return; // closed meanwhile
      source.waiting = null;
      try {
        source.h = make(options && options());
        if (w.sent) {
          const command = x.esw_poll(source.h, now());
          const n = numbers();
          if (command !== CMD_REQUEST || text() !== first[4] || n[0] !== first[0] || n[1] !== first[1] || n[2] !== first[2]) {
            throw new Error('the engine did not start with the request its front sent');
          }
        }
      } catch (error) {
        return source.crash(error);
      }
      for (const told of w.queue) told();
      source.step(null);
    },
    (error) => {
      // The engine's file could not be loaded (see js/load-whole.js): the source closes,
      // its request aborted, with an error that says why (not a bug: nothing to report).
      if (source.waiting !== w) return;
      source.release();
      source.emit(EMIT_ERROR_CLOSED, `load\r${error && error.message}\r`, 0, -1);
    },
  );
}

/** A new set of options in the engine in use, as `readOptions` recorded them. */
export function replayOptions(record) {
  const options = x.esw_options();
  for (const [key, tag, num, str] of record) x.esw_option(options, key, tag, num, str ? put(str) : 0);
  return options;
}
