// In-page helpers shared by the case files of the browser suites (tests/browser/cases.js,
// tests/envs/cases.js, tests/options/cases.js, tests/reliability/cases.js): assertions, waiting
// on an event recorder, and what every recorded event must obey.
// An ES module with no reference to `window` or `document`: tests/envs/cases.js imports it in
// pages, workers, service workers and Node.js alike. Pages get it at /tests/lib/page-helpers.js
// (each runner serves /tests/lib/); tests/browser/run.mjs also bundles it with esbuild.

export class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** JSON of `v`, or String(v) where JSON fails. */
export const show = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

let checks = 0;
/** How many assertions (assert, eq) ran so far: a case that ran none checked nothing. */
export const assertions = () => checks;

export function assert(cond, message) {
  checks += 1;
  if (!cond) throw new AssertionError(message);
}

/** Deep equality through JSON (all our values are plain data). */
export function eq(actual, expected, message) {
  checks += 1;
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new AssertionError(`${message}:\n    expected ${e}\n    actual   ${a}`);
}

/**
 * Resolves when `pred()` holds, checked now and each time a recorder calls the functions in
 * `waiters` (a Set, after every logged event), and every `poll` ms if given; rejects with pred's
 * exception, or after `ms` with an AssertionError saying `timeoutMessage()`. `timers`: where
 * setTimeout, clearTimeout, setInterval and clearInterval come from, for a suite that replaces
 * the page's own (tests/reliability/).
 */
export function waitUntil(waiters, pred, ms, timeoutMessage, { poll = 0, timers = globalThis } = {}) {
  // Called as plain functions: the platform's refuse any other `this` than the global object.
  const { setTimeout: after, clearTimeout: unafter, setInterval: every, clearInterval: unevery } = timers;
  return new Promise((resolve, reject) => {
    let timer = 0;
    let polling = 0;
    const done = () => {
      waiters.delete(check);
      unafter(timer);
      if (polling) unevery(polling);
    };
    const check = () => {
      let ok;
      try {
        ok = pred();
      } catch (e) {
        done();
        reject(e);
        return;
      }
      if (ok) {
        done();
        resolve();
      }
    };
    waiters.add(check);
    if (poll) polling = every(check, poll);
    timer = after(() => {
      done();
      reject(new AssertionError(timeoutMessage()));
    }, ms);
    check();
  });
}

/** One recorded event in a line: `open@1`, `message "tick 1" #1 @1` (with its source and transport if the recorder noted them). */
export function brief(e) {
  const src = e.src ? `${e.src}:` : '';
  const via = e.via ? `[${e.via}] ` : '';
  if (e.type === 'open' || e.type === 'error') return `${src}${via}${e.type}@${e.readyState}`;
  return `${src}${via}${e.type} ${show(e.data)} #${e.lastEventId} @${e.readyState}`;
}

/** Closes every source, whatever one throws (after a case, passed or failed). */
export function closeSources(sources) {
  for (const es of sources) {
    try {
      es.close();
    } catch {
      /* ignore */
    }
  }
}

/**
 * The rules every dispatched event obeys, checked on a recorder's log after every case: target
 * and currentTarget are the source, it is an Event, a MessageEvent exactly when it is no `open` or
 * `error`, a message's origin matches `origin`, and `open` comes at OPEN.
 */
export function checkEventInvariants(log, origin) {
  for (const e of log) {
    const where = `event ${brief(e)}`;
    assert(e.target, `${where}: event.target !== the source`);
    assert(e.currentTarget, `${where}: event.currentTarget !== the source`);
    assert(e.event, `${where}: not an instance of Event`);
    const plain = e.type === 'open' || e.type === 'error';
    eq(e.messageEvent, !plain, `${where}: instanceof MessageEvent`);
    if (!plain) assert(typeof e.origin === 'string' && origin.test(e.origin), `${where}: bad origin ${show(e.origin)}`);
    if (e.type === 'open') eq(e.readyState, 1, `${where}: readyState at open`);
  }
}

/**
 * A server log without what eventsource-wasm adds to a cross-origin source's requests: after a
 * cross-origin request fails, a no-cors HEAD probe tells a CORS refusal from a network error;
 * and the last event ID travels in the `Last-Event-ID` header, also cross-origin, as the native
 * class sends it, so a server that answers no CORS preflight refuses the first such request (its
 * OPTIONS is logged), the probe finds the server up, and the request goes out again at once with
 * the ID in the query. Cases about other things look at the log without those requests; the
 * cases about them check them.
 */
export function dropCarrierFallback(log) {
  const out = [];
  for (let i = 0; i < log.length; i++) {
    const r = log[i];
    const next = log[i + 1];
    if (r.method === 'HEAD') continue;
    if (r.method === 'OPTIONS' && /last-event-id/i.test(r.headers['access-control-request-headers'] || '') && next && next.method === 'HEAD') continue;
    out.push(r);
  }
  return out;
}

/**
 * One request to a worker (a dedicated, shared or service worker's port): `message` goes with a
 * port of a fresh channel, and the promise resolves with the one reply that comes back on it.
 */
export function ask(target, message) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => {
      channel.port1.close();
      resolve(e.data);
    };
    target.postMessage(message, [channel.port2]);
  });
}
