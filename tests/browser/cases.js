// End-to-end cases for the JS `EventSource` class, run in a real browser against the SSE test
// server (tests/server/sse-server.mjs). A page imports this module and calls
// `installCases(EventSourceClass, options)`, which defines:
//
//   window.__cases[name]        async (transport, t) => void; throws on a failed assertion.
//                               `name.transports` lists the transports it runs with,
//                               `name.compare === false` exempts it from the cross-transport check,
//                               `'messages'` limits that check to the message events.
//   window.__listCases()        [{ name, transports, compare }] for the runner.
//   window.__run(name, transport) → { ok, error, log, facts, notes, pageErrors }
//
// `log` is the event log: one entry per dispatched event, with the type, data, lastEventId and
// origin, the readyState at dispatch, whether target/currentTarget were the source, and whether
// the event was a MessageEvent / Event, plus `t` (ms since the case started). `facts` are other
// transport-independent observations. The runner drops `t` and `notes` (transport-specific request
// details) and requires the rest to be identical for every transport.
//
// The page URL carries the runner's settings: ?b=<origin B>&dead=<origin with nothing listening>&run=<id>.

import { AssertionError, assert, assertions, brief, checkEventInvariants, closeSources, dropCarrierFallback, eq, show, waitUntil } from '../lib/page-helpers.js';

const params = new URLSearchParams(location.search);
const A = location.origin;
const B = params.get('b') || '';
const DEAD = params.get('dead') || '';
const RUN = params.get('run') || `r${Math.random().toString(36).slice(2, 8)}`;
const ALL = ['native', 'fetch', 'auto'];
const PLAIN = ['open', 'message', 'error'];

// ------------------------------------------------------------------------------------ asserts

/** Runs `f`; returns the exception it throws, or fails. Closes anything it wrongly returns. */
function throws(f, message) {
  let value;
  try {
    value = f();
  } catch (e) {
    return e;
  }
  try {
    value?.close?.();
  } catch {
    /* ignore */
  }
  throw new AssertionError(`${message}: did not throw (returned ${Object.prototype.toString.call(value)})`);
}

/** Waiting for the absence of something cannot be event-driven: this is the only sleep. */
const quiet = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------ server helpers

async function getJson(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r.json();
}

/** The server's request log for `key` (every request, OPTIONS included). */
const rawLog = (key) => getJson(`${A}/log?key=${encodeURIComponent(key)}`);
const serverLog = async (key) => dropCarrierFallback(await rawLog(key));

/** Waits (server side, up to `timeout` ms) until `key` has `until` open SSE responses; returns the count. */
async function openCount(key, until, timeout) {
  const r = await getJson(`${A}/open?key=${encodeURIComponent(key)}&until=${until}&timeout=${timeout}`);
  return r.open;
}

function assertNoPreflight(log, what) {
  const options = log.filter((r) => r.method === 'OPTIONS');
  eq(options.map((r) => `${r.method} ${r.path}`), [], `${what}: preflight requests (the server answers none)`);
}

/**
 * The last event ID cross-origin, on our transports (`lastEventIdIn: 'auto'`): the header, as the
 * native class sends it; this server answers no preflight, so the first reconnect's preflight is
 * refused (OPTIONS), the library's no-cors HEAD finds the server up (a CORS refusal, not a
 * network error), and the same reconnect goes out again at once with the ID in the query, as
 * every later one does. Checks that and returns the log without those two requests.
 */
function afterCarrierFallback(log, what) {
  const i = log.findIndex((r) => r.method === 'OPTIONS');
  eq(log.slice(i, i + 2).map((r) => `${r.method} ${r.headers['access-control-request-headers'] || ''}`), ['OPTIONS last-event-id', 'HEAD '], `${what}: the refused preflight for Last-Event-ID, then the probe`);
  const rest = [...log.slice(0, i), ...log.slice(i + 2)];
  assertNoPreflight(rest, `${what}, once the ID moved to the query`);
  return rest;
}

/**
 * /drop cuts every connection by a reset after a few events. What the browser had not yet handed
 * to the page when the reset came can go with it (an errored fetch body stream drops the chunks
 * it had queued; Chromium does this under load, for its native class too) and comes again after
 * the resume. So how the ids split across connections, and how many connections there are, is
 * the network's timing. What is guaranteed, and checked here: ids 1..n exactly once, in order;
 * every connection opens (at OPEN) and, but the last, ends in one error at CONNECTING after its
 * messages; no connection gives more events than the server wrote on it; every request but the
 * last was cut by the server; each reconnect carries exactly the last id dispatched before it
 * (none if there was none yet), the way `carrier` says ('header' or 'query'), and not the other.
 * Returns the server log.
 */
function checkDrops(t, log, n, carrier) {
  eq(t.log.filter((e) => e.messageEvent).map((e) => e.lastEventId), Array.from({ length: n }, (_, i) => String(i + 1)), 'ids (each exactly once, in order)');
  const connections = [];
  for (const e of t.log) {
    const at = `${brief(e)} (event ${t.log.indexOf(e) + 1} of ${show(t.seq())})`;
    if (e.type === 'open') {
      assert(!connections.length || connections.at(-1).error, `${at}: an open while a connection was open`);
      eq(e.readyState, 1, `${at}: readyState at open`);
      connections.push({ messages: 0, lastBefore: connections.length ? connections.at(-1).last : null, last: connections.length ? connections.at(-1).last : null, error: false });
    } else if (e.type === 'error') {
      assert(connections.length && !connections.at(-1).error, `${at}: an error without an open before it`);
      eq(e.readyState, 0, `${at}: readyState at the error (a dropped connection is reconnected, not failed)`);
      connections.at(-1).error = true;
    } else {
      assert(connections.length && !connections.at(-1).error, `${at}: a message while not open`);
      eq(e.readyState, 1, `${at}: readyState at a message`);
      connections.at(-1).messages += 1;
      connections.at(-1).last = e.lastEventId;
    }
  }
  assert(connections.length && !connections.at(-1).error, `the last connection stays open: ${show(t.seq())}`);
  eq(log.map((r) => r.outcome ?? null), [...Array(connections.length - 1).fill('drop'), null], 'requests: one per connection, each but the last cut by the server');
  connections.forEach((c, i) => assert(c.messages <= log[i].sent, `connection ${i + 1} gave ${c.messages} events, the server wrote ${log[i].sent}`));
  const expected = connections.map((c) => (c.lastBefore === null ? [null, null] : [carrier, c.lastBefore]));
  eq(log.map((r) => [r.lastEventIdSource, r.lastEventIdUsed]), expected, 'how each request carried the last event ID (none, then the last one dispatched before it)');
  for (const r of log.filter((q) => q.lastEventIdSource)) {
    if (carrier === 'header') {
      eq(r.headers['last-event-id'], r.lastEventIdUsed, `request ${log.indexOf(r) + 1}: Last-Event-ID header`);
      eq(r.query.lastEventId, undefined, `request ${log.indexOf(r) + 1}: lastEventId query parameter`);
    } else {
      eq(r.query.lastEventId, r.lastEventIdUsed, `request ${log.indexOf(r) + 1}: lastEventId query parameter`);
      eq(r.headers['last-event-id'], undefined, `request ${log.indexOf(r) + 1}: Last-Event-ID header`);
    }
  }
  // Every connection cut after `sent` ≤ 2 events: however the ids split, one reconnect had an id.
  assert(log.some((r) => r.lastEventIdSource), `no reconnect carried a last event ID: ${show(log.map((r) => r.lastEventIdUsed))}`);
  t.notes.connections = connections.map((c) => c.messages);
  return log;
}

/**
 * Runs one scripted listener scenario on `new Ctor(url, init)` and resolves to its trace (what
 * the listeners saw, in order). Exceptions that listeners throw on purpose are expected page
 * errors: they are logged to the trace where the window saw them, then dropped from the page's
 * error list.
 */
function listenerScenario(Ctor, url, init, t) {
  const trace = [];
  const log = (...a) => trace.push(a.map((v) => (typeof v === 'string' ? v : show(v))).join(' '));
  const errorsBefore = (window.__pageErrors || []).length;
  const onWindowError = (e) => log('reported', /listener-semantics-boom/.test(e.message) ? 'boom' : 'other');
  window.addEventListener('error', onWindowError);
  const es = init === undefined ? new Ctor(url) : new Ctor(url, init);
  t.sources.push(es);
  const throwsType = (f) => {
    try {
      f();
      return 'no throw';
    } catch (e) {
      return e instanceof TypeError ? 'TypeError' : `${e && e.name}`;
    }
  };
  log('arguments', throwsType(() => es.addEventListener()), throwsType(() => es.addEventListener('message')),
    throwsType(() => es.addEventListener('message', 5)), throwsType(() => es.addEventListener('message', () => {}, { signal: 'no' })),
    throwsType(() => es.addEventListener('message', null)), throwsType(() => es.removeEventListener('message')),
    throwsType(() => es.removeEventListener('message', null)), throwsType(() => es.removeEventListener('message', () => {})));
  const getters = new Set();
  for (const proto of [MessageEvent.prototype, Event.prototype]) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (d.get && name !== 'isTrusted' && name !== 'timeStamp') getters.add(name);
    }
  }
  const describe = (e) => [...getters].sort().map((name) => {
    let v;
    try {
      v = e[name];
    } catch (err) {
      return `${name}: throws ${err && err.name}`;
    }
    if (v === es) return `${name}: the source`;
    if (Array.isArray(v)) return `${name}: array(${v.length}${Object.isFrozen(v) ? ', frozen' : ''})`;
    return `${name}: ${typeof v === 'object' && v !== null ? Object.prototype.toString.call(v) : show(v)}`;
  });
  let saved = null;
  const ctrl = new AbortController();
  const A = function (e) {
    log('A', e.data, e.lastEventId, this === es, e.eventPhase, e.composedPath().length, e.composedPath()[0] === es, e.origin === location.origin);
    if (e.data === '1') {
      saved = e;
      log('kind', e instanceof MessageEvent, e instanceof Event, e.constructor === MessageEvent, Object.prototype.toString.call(e), typeof e.timeStamp, e.timeStamp > 0);
      log('attributes', ...describe(e));
      e.preventDefault();
      e.returnValue = false;
      log('after preventDefault', e.defaultPrevented, e.returnValue, e.cancelBubble);
      e.stopPropagation(); // no parent: changes nothing, but cancelBubble reads true
      log('after stopPropagation', e.cancelBubble);
    }
  };
  es.addEventListener('message', A);
  es.addEventListener('message', A); // the same listener again: ignored
  es.addEventListener('message', A, { capture: true }); // a capturing registration: runs first
  es.onmessage = function (e) { log('onmessage#1', e.data, this === es); };
  const H = { handleEvent(e) { log('H', e.data, this === H); } };
  es.addEventListener('message', H);
  es.addEventListener('message', (e) => log('once', e.data), { once: true });
  es.addEventListener('message', (e) => log('signal', e.data), { signal: ctrl.signal });
  const late = (e) => log('late', e.data);
  const added = (e) => log('added', e.data);
  es.addEventListener('message', (e) => {
    log('ctl', e.data);
    if (e.data === '2') {
      ctrl.abort();
      es.onmessage = (e2) => log('onmessage#2', e2.data); // keeps its place in the list
    }
    if (e.data === '3') {
      es.removeEventListener('message', late); // later in this dispatch: skipped now
      es.addEventListener('message', added); // added during dispatch: from the next event on
    }
    if (e.data === '4') {
      e.stopImmediatePropagation();
      log('cancelBubble', e.cancelBubble);
    }
    if (e.data === '5') throw new Error('listener-semantics-boom');
    if (e.data === '6') {
      es.removeEventListener('message', A, true);
      es.removeEventListener('message', H, { capture: true }); // wrong capture flag: H stays
      es.onmessage = null;
    }
  });
  es.addEventListener('message', late);
  es.addEventListener('message', { handleEvent: 5 }); // not callable: an error is reported, the rest run
  es.addEventListener('message', (e) => log('last', e.data));
  es.addEventListener('x', (e) => {
    log('x', e.type, e.data, e.lastEventId);
    // Events that page code dispatches go through the platform, to the same listeners.
    es.addEventListener('message', (e2) => log('once-page', e2.data, e2.isTrusted), { once: true });
    log('dispatch', es.dispatchEvent(new MessageEvent('message', { data: 'page 1' })), es.dispatchEvent(new MessageEvent('message', { data: 'page 2' })));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new AssertionError(`listener scenario on ${init === undefined ? 'the browser\'s class' : 'this class'} did not finish; trace: ${show(trace)}`)), 8000);
    es.addEventListener('done', (e) => {
      es.close();
      clearTimeout(timer);
      window.removeEventListener('error', onWindowError);
      log('saved after dispatch', saved && saved.currentTarget, saved && saved.eventPhase, saved && saved.composedPath().length, saved && saved.target === es, saved && saved.data);
      log('done', e.data, e.eventPhase);
      if (window.__pageErrors) window.__pageErrors.length = errorsBefore;
      resolve(trace);
    });
  });
}

const b64url = (s) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// ----------------------------------------------------------------------------- the case context

/** One line per log entry, for readable assertions: `message "tick 1" #1 @1` (type, data, id, readyState). */
class Context {
  constructor(name, transport, EventSource) {
    this.name = name;
    this.transport = transport;
    this.EventSource = EventSource;
    this.log = [];
    this.facts = {};
    this.notes = {};
    this.sources = [];
    this.waiters = new Set();
    this.t0 = performance.now();
    this.keys = 0;
    this.nonce = Math.random().toString(36).slice(2, 8);
  }

  /** A server log key unique to this run, page load, case, transport and call. */
  key(suffix = '') {
    this.keys += 1;
    return `${RUN}-${this.name}-${this.transport}-${this.nonce}-${this.keys}${suffix}`;
  }

  /** new EventSource(url, { transport, ...options }) with the recorder attached right after. */
  source(url, options = {}, { label = '', types = PLAIN, mapData } = {}) {
    const es = new this.EventSource(url, { transport: this.transport, ...options });
    this.sources.push(es);
    this.record(es, { label, types, mapData });
    return es;
  }

  record(es, { label = '', types = PLAIN, mapData } = {}) {
    const listener = (e) => this.push(e, es, { label, mapData });
    for (const type of types) es.addEventListener(type, listener);
    return listener;
  }

  /** Adds one log entry for event `e` dispatched by `es`. */
  push(e, es, { label = '', via = '', mapData, extra } = {}) {
    const entry = {};
    if (label) entry.src = label;
    if (via) entry.via = via;
    entry.type = e.type;
    if (e instanceof MessageEvent) {
      entry.data = mapData ? mapData(e.data) : e.data;
      entry.lastEventId = e.lastEventId;
      entry.origin = e.origin;
    }
    entry.readyState = es.readyState;
    entry.target = e.target === es;
    entry.currentTarget = e.currentTarget === es;
    entry.messageEvent = e instanceof MessageEvent;
    entry.event = e instanceof Event;
    if (extra) Object.assign(entry, extra);
    entry.t = Math.round(performance.now() - this.t0);
    this.log.push(entry);
    for (const w of [...this.waiters]) w();
    return entry;
  }

  /** Resolves when `pred()` holds (checked now and after every logged event); rejects after `ms`. */
  until(pred, ms, what) {
    return waitUntil(this.waiters, pred, ms, () => `timed out after ${ms} ms waiting for ${what}; events so far: ${show(this.seq())}`);
  }

  entries(label) {
    return label === undefined ? this.log : this.log.filter((e) => (e.src || '') === label);
  }

  count(type, label) {
    return this.entries(label).filter((e) => e.type === type).length;
  }

  seq(label) {
    return this.entries(label).map(brief);
  }

  /** Closes every source the case opened (run after the case, pass or fail). */
  closeAll() {
    closeSources(this.sources);
  }

  /** Rules every dispatched event must obey, checked after every case. */
  checkInvariants() {
    checkEventInvariants(this.log, /^https?:\/\//);
  }
}

// ------------------------------------------------------------------------------------ the cases

function defineCases(EventSource, expectAuto) {
  const expected = { native: 'native', fetch: 'fetch', auto: expectAuto };
  const ev = (type, data, id, rs = 1) => `${type} ${show(data)} #${id} @${rs}`;
  const msg = (data, id, rs = 1) => ev('message', data, id, rs);
  const ticks = (from, to) => {
    const out = [];
    for (let i = from; i <= to; i++) out.push(msg(`tick ${i}`, String(i)));
    return out;
  };
  const origins = (t, label) => [...new Set(t.entries(label).filter((e) => e.messageEvent).map((e) => e.origin))];

  const cases = {};
  const def = (name, fn, { transports = ALL, compare = true } = {}) => {
    fn.transports = transports;
    fn.compare = compare;
    cases[name] = fn;
  };

  // open, message, lastEventId, origin, transport choice, attributes.
  def('basic', async (transport, t) => {
    const key = t.key();
    const url = `${A}/stream?n=3&interval=20&ids=1&key=${key}`;
    const es = t.source(url);
    eq(es.readyState, EventSource.CONNECTING, 'readyState right after construction');
    eq(es.transport, expected[transport], `es.transport for transport '${transport}'`);
    eq(es.url, url, 'es.url');
    eq(es.withCredentials, false, 'es.withCredentials by default');
    await t.until(() => t.count('message') === 3, 5000, 'three messages');
    eq(es.readyState, EventSource.OPEN, 'readyState while streaming');
    eq(t.seq(), ['open@1', ...ticks(1, 3)], 'events');
    eq(origins(t), [A], 'event.origin');
    es.close();
    eq(es.readyState, EventSource.CLOSED, 'readyState after close()');
    t.notes.transport = es.transport;
  });

  // Custom event types reach addEventListener(type) only; split chunks; lastEventId persists;
  // a listener added late (after open) for a new type still gets its events.
  def('event-types', async (transport, t) => {
    const key = t.key();
    const body = 'event: custom\nid: 7\ndata: a\n\n' + 'data: b\n\n' + 'event: other\ndata: c\n\n' + ': comment\nevent: custom\ndata: d1\ndata: d2\n\n' + 'data: e\n\n' + 'event: late\ndata: f\n\n';
    // 8 bytes every 15 ms: events arrive split across chunks, and `late` well after `open`.
    const es = t.source(`${A}/raw?b64=${b64url(body)}&chunk=8&delay=15&key=${key}`, {}, { types: [...PLAIN, 'custom'] });
    const viaHandler = [];
    es.onmessage = (e) => viaHandler.push(e.data);
    let lateAdded = false;
    es.addEventListener('open', () => {
      t.record(es, { types: ['late'] });
      lateAdded = true;
    });
    await t.until(() => t.count('late') === 1, 5000, 'the late event');
    assert(lateAdded, 'the late listener was added');
    eq(t.seq(), ['open@1', ev('custom', 'a', '7'), msg('b', '7'), ev('custom', 'd1\nd2', '7'), msg('e', '7'), ev('late', 'f', '7')], 'events');
    eq(viaHandler, ['b', 'e'], 'onmessage saw only `message` events');
    eq(origins(t), [A], 'event.origin');
  });

  // onopen / onmessage / onerror handler attributes.
  def('handler-attributes', async (transport, t) => {
    const key = t.key();
    const es = new EventSource(`${A}/stream?n=3&interval=30&ids=1&close=1&retry=10000&key=${key}`, { transport });
    t.sources.push(es);
    eq([es.onopen, es.onmessage, es.onerror], [null, null, null], 'handlers before they are set');
    const thisOk = [];
    let wrongErrorHandler = 0;
    const onopen = function (e) {
      thisOk.push(this === es);
      t.push(e, es, { via: 'onopen' });
    };
    const onmessage = function (e) {
      thisOk.push(this === es);
      t.push(e, es, { via: 'onmessage' });
      es.onmessage = null; // removes it: only the first message comes through the handler
    };
    es.onopen = onopen;
    es.onmessage = onmessage;
    es.onerror = () => { wrongErrorHandler++; };
    let closedInHandler = null;
    es.onerror = function (e) {
      thisOk.push(this === es);
      t.push(e, es, { via: 'onerror' });
      es.close();
      closedInHandler = es.readyState;
    };
    assert(es.onopen === onopen, 'es.onopen returns the handler');
    assert(es.onmessage === onmessage, 'es.onmessage returns the handler');
    es.addEventListener('message', (e) => t.push(e, es, { via: 'listener' }));
    await t.until(() => t.count('error') === 1, 5000, 'the error at the end of the stream');
    eq(t.seq(), ['[onopen] open@1', `[onmessage] ${msg('tick 1', '1')}`, ...ticks(1, 3).map((s) => `[listener] ${s}`), '[onerror] error@0'], 'events');
    eq(es.onmessage, null, 'es.onmessage after setting it to null');
    assert(thisOk.length === 3 && thisOk.every(Boolean), `\`this\` in handlers is the source: ${show(thisOk)}`);
    eq(wrongErrorHandler, 0, 'calls of the replaced onerror handler');
    eq(closedInHandler, EventSource.CLOSED, 'readyState after close() in onerror');
    es.onopen = 42; // not callable: stored as null
    eq(es.onopen, null, 'es.onopen after setting a number');
  });

  // Reconnect after a dropped connection resumes from the last event ID. The server cuts each
  // connection after 2 events, so 1 2 | 3 4 | 5 when the browser hands over everything before
  // each reset; see checkDrops for what holds however the resets land.
  const resume = (origin, crossOrigin) => async (transport, t) => {
    const key = t.key();
    const es = t.source(`${origin}/drop?after=2&total=5&retry=50&key=${key}`);
    await t.until(() => t.count('message') === 5, 8000, 'ids 1..5');
    es.close();
    const fallback = es.transport === 'fetch' && crossOrigin;
    const full = await rawLog(key);
    const log = fallback ? afterCarrierFallback(full, 'the reconnects') : full;
    eq(origins(t), [origin], 'event.origin');
    assertNoPreflight(log, 'the source and its reconnects');
    eq([...new Set(log.map((r) => `${r.method} ${r.path}`))], ['GET /drop'], 'requests');
    // The native class sends the header; so does fetch, and cross-origin, where this server
    // refuses the preflight the header needs, the query parameter from then on.
    const carrier = fallback ? 'query' : 'header';
    checkDrops(t, log, 5, carrier);
    t.notes.carrier = carrier;
    const resumed = log.find((r) => r.lastEventIdSource);
    t.notes.reconnectUrl = resumed.path + '?' + new URLSearchParams(resumed.query);
  };
  def('resume-same-origin', resume(A, false), { compare: 'messages' });
  def('resume-cross-origin', resume(B, true), { compare: 'messages' });

  // `retry:` sets the reconnection time.
  def('retry-field', async (transport, t) => {
    const key = t.key();
    const es = t.source(`${A}/end?after=1&total=2&retry=400&key=${key}`);
    await t.until(() => t.count('message') === 2, 8000, 'two messages');
    es.close();
    eq(t.seq(), ['open@1', ...ticks(1, 1), 'error@0', 'open@1', ...ticks(2, 2)], 'events');
    // The wait, read on the server: the second request cannot come sooner than 400 ms after the
    // first, whose response ended after it came; had `retry:` been ignored, it would come at least
    // the default 3 s later. (Timed in the page instead, from the error listener, a busy machine
    // that runs the listener late shortens the gap: the legacy suite's copy failed so once.)
    const log = await rawLog(key);
    assert(log.length >= 2, `the server saw ${log.length} request(s)`);
    const gap = log[1].time - log[0].time;
    t.notes.gap = gap;
    assert(gap >= 350, `the reconnect came ${gap} ms after the first request; retry: 400 asks for 400 ms after the end`);
    assert(gap < 3000, `the reconnect came ${gap} ms after the first request; retry: 400 was ignored (the default is 3 s)`);
  });

  // Responses that fail the connection: CLOSED at the one error, no open, no reconnect.
  const failRule = (path) => async (transport, t) => {
    const key = t.key();
    const es = t.source(`${A}${path}&key=${key}`);
    await t.until(() => t.count('error') >= 1, 5000, 'the error');
    eq(es.readyState, EventSource.CLOSED, 'es.readyState after the error');
    const n = (await serverLog(key)).length;
    await quiet(300);
    eq(t.seq(), ['error@2'], 'events (exactly one error, at readyState CLOSED; no open)');
    const log = await serverLog(key);
    eq(log.map((r) => `${r.method} ${r.path}`), [`GET ${path.split('?')[0]}`], 'requests (one, no reconnect)');
    eq(log.length, n, 'requests after the error');
  };
  def('fail-204', failRule('/status?code=204'));
  def('fail-500', failRule('/status?code=500'));
  // close=1: Chromium holds back a text/plain or untyped response for MIME sniffing until it has
  // 1 KiB or the end of the body, so a short body that stays open would never reach its native class.
  def('fail-text-plain', failRule('/ctype?type=text/plain&close=1'));
  def('fail-no-content-type', failRule('/ctype?type=none&close=1'));

  // A dropped connection reconnects: error at CONNECTING (also in the listener), then open again.
  def('drop-reconnects', async (transport, t) => {
    const key = t.key();
    const states = [];
    const es = t.source(`${A}/drop?after=1&total=3&retry=50&key=${key}`);
    es.addEventListener('error', () => states.push(es.readyState));
    await t.until(() => t.count('message') === 3, 8000, 'three messages over three connections or more');
    es.close();
    const log = checkDrops(t, await serverLog(key), 3, 'header');
    eq(states, Array(log.length - 1).fill(0), 'es.readyState inside error listeners, one per cut');
  }, { compare: 'messages' });

  // close() after the first message stops everything.
  def('close-after-first-message', async (transport, t) => {
    const key = t.key();
    const es = t.source(`${A}/stream?n=5&interval=100&ids=1&retry=50&key=${key}`);
    await t.until(() => t.count('message') >= 1, 5000, 'the first message');
    es.close();
    eq(es.readyState, EventSource.CLOSED, 'readyState right after close()');
    const events = t.log.length;
    // Answers as soon as none is open. In one fresh-clone run, Chromium's own class (native
    // transport) kept its response open past the 3 s this waited before.
    eq(await openCount(key, 0, 10000), 0, 'SSE responses the server still has open 10 s after close()');
    const before = (await serverLog(key)).length;
    await quiet(500);
    eq(t.seq().slice(events), [], 'events after close()');
    eq(t.seq(), ['open@1', ...ticks(1, 1)], 'events');
    const after = (await serverLog(key)).length;
    eq([before, after], [1, 1], 'requests when close() returned and 500 ms later');
    eq(es.readyState, EventSource.CLOSED, 'readyState 500 ms after close()');
  });

  // close() in a message listener stops the rest of the same chunk.
  def('close-in-onmessage', async (transport, t) => {
    const key = t.key();
    const body = 'retry: 50\nid: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n';
    const es = t.source(`${A}/raw?b64=${b64url(body)}&key=${key}`); // one write
    let calls = 0;
    es.onmessage = () => {
      calls++;
      es.close();
    };
    await t.until(() => t.count('message') >= 1, 5000, 'the first message');
    eq(es.readyState, EventSource.CLOSED, 'readyState after close() in onmessage');
    eq(await openCount(key, 0, 10000), 0, 'SSE responses the server still has open 10 s after close()');
    await quiet(300);
    eq(t.seq(), ['open@1', msg('a', '1')], 'events');
    eq(calls, 1, 'onmessage calls');
    eq((await serverLog(key)).length, 1, 'requests');
  });

  // close() before the connection opens: no events at all.
  def('close-while-connecting', async (transport, t) => {
    const key = t.key();
    const es = t.source(`${A}/stream?n=3&interval=20&ids=1&retry=50&key=${key}`);
    eq(es.readyState, EventSource.CONNECTING, 'readyState before close()');
    es.close();
    eq(es.readyState, EventSource.CLOSED, 'readyState right after close()');
    await quiet(500);
    eq(t.seq(), [], 'events');
    const log = await serverLog(key);
    assert(log.length <= 1, `requests: ${log.length} (a reconnect after close()?)`);
    t.notes.requestsSeen = log.length;
    // Not asserted: that the server saw the request end. A fetch aborted in the same task that
    // started it sometimes leaves its connection open in Chromium (plain fetch + AbortController
    // does it too, about 2 times in 100), so that would test the browser.
    t.notes.stillOpen = await openCount(key, 0, 1000);
  });

  // withCredentials decides whether a cross-origin request carries cookies.
  def('with-credentials', async (transport, t) => {
    const key = t.key();
    const name = `c_${t.transport}_${Math.random().toString(36).slice(2, 8)}`;
    const value = Math.random().toString(36).slice(2, 10);
    // Cookies ignore ports: set on origin B, 127.0.0.1 holds it for A and B alike.
    const r = await fetch(`${B}/set-cookie?cred=1&name=${name}&value=${value}&key=${key}`, { credentials: 'include' });
    eq(r.status, 200, '/set-cookie status');
    const mapData = (d) => {
      const j = JSON.parse(d);
      return { cookie: (j.cookie || '').split(/;\s*/).includes(`${name}=${value}`), origin: j.origin };
    };
    const run = async (label, url, options) => {
      const es = t.source(url, options, { label, mapData });
      await t.until(() => t.count('message', label) === 1, 5000, `the echo (${label})`);
      es.close();
      return es;
    };
    const withC = await run('cross-with', `${B}/echo?cred=1&key=${key}`, { withCredentials: true });
    eq(withC.withCredentials, true, 'es.withCredentials with withCredentials: true');
    const without = await run('cross-without', `${B}/echo?cred=1&key=${key}`, {});
    eq(without.withCredentials, false, 'es.withCredentials without it');
    const falsy = await run('cross-false', `${B}/echo?cred=1&key=${key}`, { withCredentials: 0 });
    eq(falsy.withCredentials, false, 'es.withCredentials with withCredentials: 0');
    await run('same-origin', `${A}/echo?key=${key}`, {});
    const data = (label) => t.entries(label).find((e) => e.type === 'message').data;
    eq(data('cross-with'), { cookie: true, origin: A }, 'cross-origin with credentials: cookie sent');
    eq(data('cross-without'), { cookie: false, origin: A }, 'cross-origin without credentials: no cookie');
    eq(data('cross-false'), { cookie: false, origin: A }, 'cross-origin, withCredentials: 0: no cookie');
    eq(data('same-origin').cookie, true, 'same-origin without withCredentials: cookie sent');
    eq(origins(t), [B, A], 'event.origin');
    assertNoPreflight(await serverLog(key), 'credentialed and plain requests');
    // The same-origin request's Origin header differs between transports; keep it out of the log.
    for (const e of t.entries('same-origin')) if (e.data) delete e.data.origin;
  });

  // What the request looks like at the server.
  def('request-headers', async (transport, t) => {
    const key = t.key();
    for (const [label, origin] of [['same-origin', A], ['cross-origin', B]]) {
      let headers = null;
      const mapData = (d) => {
        const j = JSON.parse(d);
        headers = j.headers;
        const { key: k, ...query } = j.query; // the key names the transport: keep it out of the log
        return { method: j.method, accept: j.accept, lastEventIdHeader: j.lastEventIdHeader, lastEventIdQuery: j.lastEventIdQuery, body: j.body, query, keyOk: k === key };
      };
      const es = t.source(`${origin}/echo?key=${key}&x=${encodeURIComponent('a b/é')}`, {}, { label, mapData });
      await t.until(() => t.count('message', label) === 1, 5000, `the echo (${label})`);
      es.close();
      t.notes[label] = headers;
      const d = t.entries(label).find((e) => e.type === 'message').data;
      eq([d.method, d.accept, d.lastEventIdHeader, d.lastEventIdQuery, d.body], ['GET', 'text/event-stream', null, null, ''], `${label} request`);
      eq([d.query, d.keyOk], [{ x: 'a b/é' }, true], `${label} query`);
    }
    assertNoPreflight(await serverLog(key), 'requests');
  });

  // URL resolution against the document base, as the native class does it.
  def('url-resolution', async (transport, t) => {
    const key = t.key();
    const rel = `/stream?n=1&ids=1&key=${key}&q=a b`;
    const es = t.source(rel);
    eq(es.url, new URL(rel, document.baseURI).href, 'es.url of a path');
    assert(es.url.startsWith(`${A}/stream?`) && es.url.includes('q=a%20b'), `es.url ${es.url} is absolute and encoded`);
    await t.until(() => t.count('message') === 1, 5000, 'the message');
    es.close();
    eq(t.seq(), ['open@1', ...ticks(1, 1)], 'events');
    eq(origins(t), [A], 'event.origin');
    const Native = window.__nativeEventSource;
    const inputs = [`status?code=204&key=${key}`, `//${new URL(B).host}/status?code=204&key=${key}#frag`, `${B}/status?code=204&key=${key}&u=é`, `  ${A}/status?code=204&key=${key}  `];
    const urls = {};
    for (const input of inputs) {
      const ours = new EventSource(input, { transport });
      ours.close();
      urls[input.split(key).join('K')] = ours.url.split(key).join('K'); // the key names the transport
      if (typeof Native === 'function') {
        const native = new Native(input);
        native.close();
        eq(ours.url, native.url, `es.url of ${show(input)}, against the native class`);
      } else {
        eq(ours.url, new URL(input, document.baseURI).href, `es.url of ${show(input)}`);
      }
    }
    t.facts.urls = urls;
  });

  def('constructor-errors', async (transport, t) => {
    const name = (e) => `${e instanceof DOMException ? 'DOMException' : e?.constructor?.name}:${e?.name}`;
    const facts = t.facts;
    const e1 = throws(() => new EventSource('http://[', { transport }), "new EventSource('http://[')");
    assert(e1 instanceof DOMException, `'http://[' threw ${name(e1)}, not a DOMException`);
    eq(e1.name, 'SyntaxError', "'http://[': exception name");
    facts.badUrl = name(e1);
    const e2 = throws(() => new EventSource(), 'new EventSource()');
    assert(e2 instanceof TypeError, `new EventSource() threw ${name(e2)}, not a TypeError`);
    facts.noArgs = name(e2);
    const e3 = throws(() => new EventSource(`${A}/stream`, { transport: 'bogus' }), "transport: 'bogus'");
    assert(e3 instanceof TypeError, `transport 'bogus' threw ${name(e3)}, not a TypeError`);
    facts.badTransport = name(e3);
    const e4 = throws(() => new EventSource(`${A}/stream`, 'nope'), 'a string as options');
    assert(e4 instanceof TypeError, `string options threw ${name(e4)}, not a TypeError`);
    facts.stringOptions = name(e4);
    const e5 = throws(() => EventSource(`${A}/stream`), 'EventSource() without new');
    assert(e5 instanceof TypeError, `a call without new threw ${name(e5)}, not a TypeError`);
    facts.withoutNew = name(e5);
    // null and undefined options are allowed.
    for (const opts of [null, undefined]) {
      const es = new EventSource(`${A}/status?code=204&key=${t.key()}`, opts);
      eq(es.readyState, 0, `readyState with options ${opts}`);
      es.close();
    }
  });

  def('constants-and-types', async (transport, t) => {
    const es = t.source(`${A}/status?code=204&key=${t.key()}`);
    eq(es.readyState, EventSource.CONNECTING, 'readyState right after construction');
    const values = { CONNECTING: 0, OPEN: 1, CLOSED: 2 };
    for (const [k, v] of Object.entries(values)) {
      eq(EventSource[k], v, `EventSource.${k}`);
      eq(es[k], v, `es.${k}`);
      eq(EventSource.prototype[k], v, `EventSource.prototype.${k}`);
      eq(Object.getOwnPropertyDescriptor(EventSource, k), { value: v, writable: false, enumerable: true, configurable: false }, `descriptor of EventSource.${k}`);
    }
    eq(Object.prototype.toString.call(es), '[object EventSource]', 'Object.prototype.toString');
    assert(es instanceof EventTarget, 'es instanceof EventTarget');
    assert(es instanceof EventSource, 'es instanceof EventSource');
    eq(EventSource.length, 1, 'EventSource.length');
    eq(EventSource.name, 'EventSource', 'EventSource.name');
    eq([typeof es.close, typeof es.addEventListener, typeof es.dispatchEvent], ['function', 'function', 'function'], 'methods');
    const Native = window.__nativeEventSource;
    if (typeof Native === 'function') {
      for (const k of ['url', 'withCredentials', 'readyState', 'onopen', 'onmessage', 'onerror', 'close', 'CONNECTING']) {
        eq(k in es, k in Native.prototype, `'${k}' in es, against the native class`);
      }
    }
    await t.until(() => t.count('error') === 1, 5000, 'the error from 204');
    es.close();
    es.close(); // a second close() is harmless
    eq(es.readyState, EventSource.CLOSED, 'readyState after close()');
    t.facts.toString = Object.prototype.toString.call(es);
  });

  // No event is dispatched synchronously inside the constructor or close().
  def('no-sync-dispatch', async (transport, t) => {
    const key = t.key();
    const original = EventTarget.prototype.dispatchEvent;
    let phase = '';
    const seen = [];
    EventTarget.prototype.dispatchEvent = function (event) {
      if (phase) seen.push(`${phase}: ${event.type}`);
      return original.call(this, event);
    };
    try {
      phase = 'constructor';
      const es = new EventSource(`${A}/stream?n=2&interval=20&ids=1&key=${key}`, { transport });
      phase = '';
      t.sources.push(es);
      t.record(es); // listeners added right after the constructor still get `open`
      eq(es.readyState, EventSource.CONNECTING, 'readyState right after construction');
      await t.until(() => t.count('message') === 2, 5000, 'two messages');
      phase = 'close() while open';
      es.close();
      phase = '';
      for (const url of [`${A}/status?code=204&key=${key}`, `${DEAD}/stream`, 'http://[']) {
        let es2 = null;
        phase = `constructor(${url})`;
        try {
          es2 = new EventSource(url, { transport });
        } catch {
          /* 'http://[' throws; it must not dispatch either */
        }
        phase = `close() while connecting (${url})`;
        es2?.close();
        phase = '';
      }
    } finally {
      phase = '';
      EventTarget.prototype.dispatchEvent = original;
    }
    eq(seen, [], 'events dispatched synchronously');
    eq(t.seq(), ['open@1', ...ticks(1, 2)], 'events');
  });

  // Listener semantics, against the browser's own EventSource on the same stream: our message
  // events skip the platform's dispatch (js/listeners.js), so everything a page can observe
  // about listeners and the event object is compared, trace for trace, with the real thing.
  // Two deliveries: the whole stream in one chunk (listener changes between events of one
  // chunk), and 9 bytes at a time.
  def('listener-semantics', async (transport, t) => {
    const Native = window.__nativeEventSource;
    assert(typeof Native === 'function', 'the page saved the browser\'s EventSource');
    const body = [1, 2, 3, 4, 5, 6, 7].map((i) => `id: ${i}\ndata: ${i}\n\n`).join('') + 'event: x\ndata: x1\n\nevent: done\ndata: end\n\n';
    for (const split of ['', '&chunk=9&delay=5']) {
      const url = `${A}/raw?b64=${b64url(body)}${split}&key=${t.key()}`;
      const expected = await listenerScenario(Native, url, undefined, t);
      const actual = await listenerScenario(EventSource, url, { transport }, t);
      eq(actual, expected, `listener trace${split ? ' (9-byte chunks)' : ''}, this class vs the browser's`);
      assert(expected.length > 50, `the reference trace is too short to mean anything: ${show(expected)}`);
    }
  });

  // A request that cannot connect (connection refused): an error, no open. The standard lets the
  // browser either reestablish (CONNECTING) or, when it knows retrying is futile, fail (CLOSED):
  // Chromium's native class reestablishes, Firefox's fails, the fetch transport reestablishes.
  // So this case asserts only what every transport must do, and is exempt from the comparison.
  def('network-error', async (transport, t) => {
    const es = t.source(`${DEAD}/stream`);
    await t.until(() => t.count('error') >= 1, 8000, 'the error');
    const state = es.readyState;
    const atError = t.log[0].readyState;
    es.close();
    eq(t.count('open'), 0, 'open events');
    eq(t.seq().slice(0, 1), [`error@${atError}`], 'the first event');
    assert(atError === EventSource.CONNECTING || atError === EventSource.CLOSED, `readyState at the error: ${atError}`);
    eq(state, atError, 'es.readyState after the error agrees with the event');
    t.notes.readyStateAtError = atError;
  }, { compare: false });

  // Only on a build with fault injection (`node scripts/build.mjs --panic-probe DIR`, run by
  // `--panic-probe` of the runner): a chunk holding `__panic_here__` makes the Rust side panic.
  // The npm build has no std, so its panic handler is ours, not std's hook: this proves it
  // contains the panic to one source, as tests/web.rs proves it for the std build.
  if (params.get('probe') === 'panic') {
    def('panic-contained', async (transport, t) => {
      const good = t.source(`${A}/stream?n=60&interval=20&ids=1&key=${t.key()}`, {}, { label: 'fetch' });
      const viaXhr = t.source(`${A}/stream?n=60&interval=20&ids=1&key=${t.key()}`, { transport: 'xhr' }, { label: 'xhr' });
      await t.until(() => t.count('message', 'fetch') >= 1 && t.count('message', 'xhr') >= 1, 5000, 'the survivors\' first events');
      const bad = t.source(`${A}/raw?b64=${b64url('data: __panic_here__\n\n')}&key=${t.key()}`, {}, { label: 'bad' });
      const reasons = [];
      bad.addEventListener('error', (e) => reasons.push(e.reason));
      const errorsBefore = window.__pageErrors.length;
      const rejections = new Set();
      const onRejection = () => rejections.forEach((w) => w()); // after boot.js has listed it
      window.addEventListener('unhandledrejection', onRejection);
      await t.until(() => t.count('error', 'bad') >= 1, 5000, 'the crashed source\'s error');
      // The trap also reaches the page, once, as the rejection of the read that panicked: error
      // monitoring sees the bug. Expected here, so taken off the page's error list. (The trap's
      // text is the engine's: 'unreachable' in Chromium, 'unreachable executed' in Firefox,
      // 'Unreachable code should not be executed' in WebKit.)
      await waitUntil(rejections, () => window.__pageErrors.length > errorsBefore, 5000, () => 'the trap as an unhandled rejection');
      window.removeEventListener('unhandledrejection', onRejection);
      const traps = window.__pageErrors.splice(errorsBefore);
      eq(traps.map((e) => /^unhandled rejection: RuntimeError: unreachable/i.test(e)), [true], `the page errors: ${show(traps)}`);
      eq([reasons, bad.readyState], [['internal'], 2], 'the crashed source: error reason, readyState');
      eq(t.seq('bad'), ['bad:open@1', 'bad:error@2'], 'the crashed source: open, then its one error (no message)');
      const before = t.count('message', 'fetch');
      await t.until(() => t.count('message', 'fetch') >= before + 5 && t.count('message', 'xhr') >= 5, 5000, 'more events on the survivors');
      for (const label of ['fetch', 'xhr']) {
        const ids = t.entries(label).filter((e) => e.type === 'message').map((e) => Number(e.lastEventId));
        eq(ids, ids.map((_, i) => i + 1), `${label} survivor: ids in order, none lost`);
      }
      const late = t.source(`${A}/stream?n=2&ids=1&key=${t.key()}`, {}, { label: 'late' });
      await t.until(() => t.count('message', 'late') >= 2, 5000, 'a new source\'s events');
      eq(good.readyState, 1, 'the fetch survivor is still open');
      eq(viaXhr.readyState, 1, 'the XHR survivor is still open');
      late.close();
    }, { transports: ['fetch'], compare: false });
  }

  return cases;
}

// The package's code that is loaded on use (dist/engine-full.js, dist/xhr.js), held back by the
// test server (`/held/K/…`, served on `/release?key=K`; `missing…` keys never get it): what a
// source does before that code arrives, and when it never does. Run on held.html, where each case
// imports a copy of the package of its own (a new K, so a new module and a fresh engine).
function defineHeldCases() {
  const cases = {};
  const def = (name, fn, transports = ['fetch']) => {
    fn.transports = transports;
    fn.compare = false;
    cases[name] = fn;
  };
  /** Imports a copy of the package whose files loaded on use are held (or missing); returns K. */
  const load = async (t, kind = 'held') => {
    const k = `${kind}-${t.key()}`;
    t.EventSource = (await import(`/held/${k}/index.js`)).EventSource;
    return k;
  };
  /** Waits until the server has seen a request for `file` of K's copy. */
  const asked = async (k, file) => {
    const path = `/held/${k}/${file}`;
    const log = await getJson(`${A}/logwait?key=${k}&n=1&path=${encodeURIComponent(path)}&timeout=10000`);
    eq(log.length > 0, true, `the page asked for ${file}`);
  };
  const release = (k) => getJson(`${A}/release?key=${k}`);

  // The first request goes out before the engine is in; its response and events wait for it, and
  // the engine takes that request over: one request, every event, in order.
  def('held-first-request', async (transport, t) => {
    const k = await load(t);
    const key = t.key();
    const es = t.source(`${A}/stream?n=2&interval=20&ids=1&key=${key}`);
    await asked(k, 'engine-full.js');
    eq(await openCount(key, 1, 10000), 1, 'SSE responses open while the engine is held back');
    eq([t.seq(), es.readyState], [[], 0], 'events and readyState before the engine is in');
    await release(k);
    await t.until(() => t.count('message') === 2, 10000, 'both messages');
    eq(t.seq(), ['open@1', 'message "tick 1" #1 @1', 'message "tick 2" #2 @1'], 'events');
    eq((await serverLog(key)).length, 1, 'requests (the first one, taken over by the engine)');
  });

  // close() before the engine is in: the request is aborted, and nothing happens once it is.
  def('held-close-before-engine', async (transport, t) => {
    const k = await load(t);
    const key = t.key();
    const es = t.source(`${A}/stream?n=3&interval=20&ids=1&retry=50&key=${key}`, {}, { label: 'closed' });
    eq(await openCount(key, 1, 10000), 1, 'SSE responses open before close()');
    es.close();
    eq(es.readyState, 2, 'readyState right after close()');
    eq(await openCount(key, 0, 10000), 0, 'SSE responses still open 10 s after close()');
    await release(k);
    // A second source of the same copy gets its events once the engine runs: by then the closed
    // one would have shown anything it wrongly kept.
    const other = t.source(`${A}/stream?n=1&ids=1&key=${t.key()}`, {}, { label: 'other' });
    await t.until(() => t.count('message', 'other') === 1, 10000, "the second source's message");
    other.close();
    eq([t.seq('closed'), es.readyState], [[], 2], 'events and readyState of the closed source');
    eq((await serverLog(key)).length, 1, 'requests of the closed source');
  });

  // A refused response that arrives before the engine: the error it causes, with its reason,
  // status and sentence (which the engine gives), once the engine is in.
  def('held-error-before-engine', async (transport, t) => {
    const k = await load(t);
    const key = t.key();
    const es = t.source(`${A}/status?code=500&key=${key}`);
    const errors = [];
    es.addEventListener('error', (e) => errors.push([e.reason, e.status, e.message, es.readyState]));
    await asked(k, 'engine-full.js');
    await getJson(`${A}/logwait?key=${key}&n=1&timeout=10000`);
    eq(t.seq(), [], 'events before the engine is in');
    await release(k);
    await t.until(() => t.count('error') === 1, 10000, 'the error');
    eq(errors, [['http-status', 500, 'the server answered with an error status (HTTP 500 Internal Server Error)', 2]], 'the error: reason, status, message, readyState');
    eq((await serverLog(key)).length, 1, 'requests');
  });

  // A source over XHR waits for the XHR driver, loaded on first use: no request before it is in.
  def('held-xhr-driver', async (transport, t) => {
    const k = await load(t);
    const key = t.key();
    t.source(`${A}/stream?n=2&interval=20&ids=1&key=${key}`);
    await asked(k, 'xhr.js');
    await asked(k, 'engine-full.js');
    eq((await serverLog(key)).length, 0, 'requests while the XHR driver is held back');
    await release(k);
    await t.until(() => t.count('message') === 2, 10000, 'both messages');
    eq(t.seq(), ['open@1', 'message "tick 1" #1 @1', 'message "tick 2" #2 @1'], 'events');
    eq((await serverLog(key)).length, 1, 'requests');
  }, ['xhr']);

  // EventSource.fromReadableStream before the engine is in: the stream is read meanwhile, and
  // its events come once it is.
  def('held-stream-before-engine', async (transport, t) => {
    const k = await load(t);
    const events = [];
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('id: 1\ndata: a\n\ndata: b\n\n'));
        c.close();
      },
    });
    const es = t.EventSource.fromReadableStream(stream);
    t.sources.push(es);
    const note = (e) => {
      events.push(`${e.type}${e.data ? ` ${e.data}` : ''}@${es.readyState}`);
      for (const w of [...t.waiters]) w();
    };
    for (const type of ['open', 'message', 'error']) es.addEventListener(type, note);
    await asked(k, 'engine-full.js');
    eq(events, [], 'events before the engine is in');
    await release(k);
    await waitUntil(t.waiters, () => events.includes('error@2'), 10000, () => `timed out waiting for the end of the stream; events: ${show(events)}`);
    eq(events, ['open@1', 'message a@1', 'message b@1', 'error@2'], 'events');
  });

  // Importing the package connects nothing and listens to nothing of the page, although it runs
  // the constructor's paths once at import (js/source.js, js/event-source.js): spies on what makes
  // a request or watches the page, put in place before the copy loads (it captures the platform's
  // classes then), see no call, and the server sees the module's file and nothing loaded on use.
  def('held-import-quiet', async (transport, t) => {
    const calls = [];
    const saved = { fetch: window.fetch, EventSource: window.EventSource, open: XMLHttpRequest.prototype.open };
    window.fetch = function (...args) {
      calls.push(`fetch ${args[0]}`);
      return saved.fetch.apply(this, args);
    };
    window.EventSource = function (...args) {
      calls.push(`EventSource ${args[0]}`);
      return new saved.EventSource(...args);
    };
    XMLHttpRequest.prototype.open = function (...args) {
      calls.push(`XMLHttpRequest ${args[1]}`);
      return saved.open.apply(this, args);
    };
    for (const target of [window, document]) {
      target.addEventListener = function (type, ...rest) {
        calls.push(`listens to ${type}`);
        return EventTarget.prototype.addEventListener.call(this, type, ...rest);
      };
    }
    let k;
    try {
      k = await load(t);
      // (A task later: whatever the import queued as microtasks has run.)
      await new Promise((resolve) => setTimeout(resolve, 0));
    } finally {
      Object.assign(window, { fetch: saved.fetch, EventSource: saved.EventSource });
      XMLHttpRequest.prototype.open = saved.open;
      delete window.addEventListener;
      delete document.addEventListener;
    }
    eq(calls, [], 'requests made and page events listened to by the import');
    eq((await serverLog(k)).map((e) => e.path), [`/held/${k}/index.js`], 'files the server was asked for');
  });

  // The engine's file cannot be loaded (404 to import() and to fetch): the source closes with
  // reason 'load' and says which file, its request aborted; the browser's own transport, which
  // needs no engine, still works in the same copy.
  def('held-engine-missing', async (transport, t) => {
    await load(t, 'missing');
    const key = t.key();
    const es = t.source(`${A}/stream?n=3&interval=20&ids=1&key=${key}`);
    const errors = [];
    es.addEventListener('error', (e) => errors.push([e.reason, /engine-full\.js/.test(e.message), es.readyState]));
    await t.until(() => t.count('error') === 1, 10000, 'the error');
    eq(errors, [['load', true, 2]], 'the error: reason, message names the file, readyState');
    eq(await openCount(key, 0, 10000), 0, 'SSE responses still open 10 s after the error');
    const native = t.source(`${A}/stream?n=1&ids=1&key=${t.key()}`, { transport: 'native' }, { label: 'native' });
    await t.until(() => t.count('message', 'native') === 1, 10000, "the native source's message");
    native.close();
    eq(t.seq(''), ['error@2'], 'events of the failed source');
  });

  // A failed load of the engine is not kept (js/once.js): once its file can be had, the next
  // source loads it again (by fetch, if the browser keeps the failed import()) and connects.
  def('held-engine-retried', async (transport, t) => {
    const k = await load(t, 'missing');
    const first = t.source(`${A}/stream?n=1&ids=1&key=${t.key()}`, {}, { label: 'first' });
    const reasons = [];
    first.addEventListener('error', (e) => reasons.push(e.reason));
    await t.until(() => t.count('error', 'first') === 1, 10000, "the first source's error");
    eq([reasons, first.readyState], [['load'], 2], 'the first source: closed for want of the engine');
    await release(k);
    const key = t.key();
    const second = t.source(`${A}/stream?n=2&interval=20&ids=1&key=${key}`, {}, { label: 'second' });
    await t.until(() => t.count('message', 'second') === 2, 10000, "the second source's two messages");
    second.close();
    eq(t.seq('second'), ['second:open@1', 'second:message "tick 1" #1 @1', 'second:message "tick 2" #2 @1'], 'the second source: every event');
    const asks = (await serverLog(k)).filter((e) => e.path === `/held/${k}/engine-full.js`).length;
    assert(asks >= 2, `the engine's file was asked for ${asks} time(s): the failed load was kept`);
  });
  return cases;
}

// Cases for the pages that load dist/eventsource-wasm.global.js as a classic script.
function defineGlobalCases(EventSource) {
  const cases = {};
  cases['global-classic'] = Object.assign(async (transport, t) => {
    eq(typeof window.EventSourceWasm, 'function', 'typeof window.EventSourceWasm');
    assert(typeof window.__nativeBefore === 'function', 'the page saw a native EventSource before the script');
    assert(window.EventSource === window.__nativeBefore, 'window.EventSource was replaced although the browser has one');
    assert(window.EventSource !== window.EventSourceWasm, 'window.EventSource is EventSourceWasm');
    assert(/\[native code\]/.test(Function.prototype.toString.call(window.EventSource)), 'window.EventSource is native code');
    const key = t.key();
    const es = t.source(`${A}/stream?n=2&interval=20&ids=1&key=${key}`);
    eq(es.transport, transport === 'fetch' ? 'fetch' : 'native', 'es.transport');
    assert(es instanceof window.EventSourceWasm, 'instance of EventSourceWasm');
    await t.until(() => t.count('message') === 2, 5000, 'two messages');
    es.close();
    eq(t.seq(), ['open@1', 'message "tick 1" #1 @1', 'message "tick 2" #2 @1'], 'events');
  }, { transports: ALL, compare: true });

  // A page that installs the class as the global EventSource after loading it (a common way to
  // get the same behaviour everywhere) still gets the browser's own class underneath: the
  // package captured it when it loaded.
  cases['global-installed'] = Object.assign(async (transport, t) => {
    const platform = window.EventSource;
    assert(/\[native code\]/.test(Function.prototype.toString.call(platform)), 'the page starts with the native EventSource');
    window.EventSource = window.EventSourceWasm;
    try {
      const key = t.key();
      const es = t.source(`${A}/stream?n=2&interval=20&ids=1&key=${key}`);
      eq(es.transport, transport === 'fetch' ? 'fetch' : 'native', 'es.transport with the class installed as window.EventSource');
      await t.until(() => t.count('message') === 2, 5000, 'two messages');
      es.close();
      eq(t.seq(), ['open@1', 'message "tick 1" #1 @1', 'message "tick 2" #2 @1'], 'events');
    } finally {
      window.EventSource = platform;
    }
  }, { transports: ALL, compare: true });

  cases['global-replaced'] = Object.assign(async (transport, t) => {
    assert(window.__hadNative === true, 'the browser had a native EventSource');
    assert(window.__deleted === true, '`delete window.EventSource` worked');
    assert(window.EventSource === window.EventSourceWasm, 'window.EventSource === window.EventSourceWasm');
    eq(typeof EventSource, 'function', 'the EventSource installed');
    const e = throws(() => new EventSource(`${A}/stream`, { transport: 'native' }), "transport: 'native' without a native class");
    eq(`${e instanceof DOMException}:${e.name}`, 'true:NotSupportedError', "transport: 'native' without a native class throws");
    const key = t.key();
    // The page's own `new EventSource(url)`, as a polyfill user writes it.
    const plain = new window.EventSource(`${A}/stream?n=1&ids=1&key=${key}-plain`);
    eq(plain.transport, 'fetch', 'transport of new EventSource(url) without a native class');
    plain.close();
    const es = t.source(`${A}/stream?n=2&interval=20&ids=1&key=${key}`);
    eq(es.transport, 'fetch', 'es.transport');
    await t.until(() => t.count('message') === 2, 5000, 'two messages');
    es.close();
    eq(t.seq(), ['open@1', 'message "tick 1" #1 @1', 'message "tick 2" #2 @1'], 'events');
  }, { transports: ['fetch', 'auto'], compare: true });
  return cases;
}

// ------------------------------------------------------------------------------------- install

/**
 * Installs the cases for `EventSource` (the class under test) on this page.
 * @param {Function} EventSource
 * @param {{ names?: string[], expectAuto?: string, transports?: string[] }} options
 *   names: the cases to install (default: every general case); expectAuto: the transport 'auto'
 *   must pick here; transports: restricts every case to these.
 */
export function installCases(EventSource, { names, expectAuto = 'native', transports } = {}) {
  const every = { ...defineCases(EventSource, expectAuto), ...defineGlobalCases(EventSource), ...defineHeldCases() };
  const general = Object.keys(defineCases(EventSource, expectAuto));
  const chosen = names || general;
  const cases = {};
  for (const n of chosen) {
    if (!every[n]) throw new Error(`no case named ${n}`);
    cases[n] = every[n];
    if (transports) cases[n].transports = cases[n].transports.filter((x) => transports.includes(x));
  }
  window.__cases = cases;
  window.__listCases = () => Object.entries(cases).map(([name, f]) => ({ name, transports: f.transports, compare: f.compare }));
  window.__run = async (name, transport) => {
    const fn = cases[name];
    if (!fn) return { ok: false, error: `no case named ${name}`, log: [], facts: {}, notes: {}, pageErrors: [] };
    const t = new Context(name, transport, EventSource);
    let error = null;
    let timer = 0;
    try {
      const limit = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new AssertionError(`case did not finish within 15 s; events so far: ${show(t.seq())}`)), 15000);
      });
      const before = assertions();
      await Promise.race([fn(transport, t), limit]);
      assert(assertions() > before, 'the case asserted nothing');
      t.checkInvariants();
    } catch (e) {
      error = e instanceof AssertionError ? e.message : `${e && e.name}: ${e && e.message}\n${e && e.stack}`;
    } finally {
      clearTimeout(timer);
      t.closeAll();
    }
    // Uncaught errors and unhandled rejections in the page: the runner fails the case on them
    // (except for known library bugs it lists).
    const pageErrors = [...(window.__pageErrors || [])];
    return { ok: !error, error, log: t.log, facts: t.facts, notes: t.notes, pageErrors };
  };
  window.__markReady?.();
}
