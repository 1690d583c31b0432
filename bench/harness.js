// Runs in the benchmark page (inlined by bench/run.mjs after `CFG`, `T_START` and the checksum's
// source). One page = one client × one workload; the result is posted to /result.
/* global CFG, T_START, hashEvent */
'use strict';

const NativeEventSource = window.EventSource;
const now = () => performance.now();

function post(result) {
  return fetch(`/result?t=${CFG.token}`, { method: 'POST', body: JSON.stringify(result) });
}

let reported = false;
function report(result) {
  if (reported) return;
  reported = true;
  post(result);
}
window.addEventListener('error', (e) => report({ ok: false, error: `page error: ${e.message}` }));
window.addEventListener('unhandledrejection', (e) => report({ ok: false, error: `unhandled rejection: ${e.reason && (e.reason.stack || e.reason)}` }));

function loadClassic(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.appendChild(s);
  });
}

// Each client: load() → its library; open(lib, url, types, onEvent, onEnd) → { close, transport }.
// onEvent(type, data, lastEventId) is called for every event the client delivers; clients that
// are not EventSource-shaped (parsers) keep the last event ID the way the standard does.
function eventSourceLike(Ctor, url, init, types, onEvent, onEnd) {
  const es = init === undefined ? new Ctor(url) : new Ctor(url, init);
  const listener = (e) => onEvent(e.type, e.data, e.lastEventId);
  for (const t of types) es.addEventListener(t, listener);
  es.addEventListener('error', () => onEnd('error event'));
  return { close: () => es.close(), transport: es.transport };
}

const CLIENTS = {
  native: {
    load: async () => NativeEventSource,
    open: (Ctor, ...a) => eventSourceLike(Ctor, a[0], undefined, ...a.slice(1)),
  },
  'esw-native': esw('native'),
  'esw-fetch': esw('fetch'),
  'esw-xhr': esw('xhr'),
  'esw-longpoll': esw('longpoll'),
  'esw-global': {
    load: async () => { await loadClassic('/dist/eventsource-wasm.global.js'); return window.EventSourceWasm; },
    open: (Ctor, ...a) => eventSourceLike(Ctor, a[0], undefined, ...a.slice(1)),
  },
  // Start-up only: the least any client delivered as a script can cost (import an empty ES
  // module, then use the native class), to tell the harness's floor from the clients' own cost.
  'empty-module': {
    load: async () => { await import('/build/empty.js'); return NativeEventSource; },
    open: (Ctor, ...a) => eventSourceLike(Ctor, a[0], undefined, ...a.slice(1)),
  },
  'event-source-polyfill': {
    load: async () => (await import('/build/event-source-polyfill.js')).EventSourcePolyfill,
    open: (Ctor, ...a) => eventSourceLike(Ctor, a[0], undefined, ...a.slice(1)),
  },
  eventsource: {
    load: async () => (await import('/build/eventsource.js')).EventSource,
    open: (Ctor, ...a) => eventSourceLike(Ctor, a[0], undefined, ...a.slice(1)),
  },
  'fetch-event-source': {
    load: async () => (await import('/build/fetch-event-source.js')).fetchEventSource,
    open(fetchEventSource, url, types, onEvent, onEnd) {
      const ctrl = new AbortController();
      let lastId = '';
      fetchEventSource(url, {
        signal: ctrl.signal,
        openWhenHidden: true,
        onmessage(m) {
          if (m.id) lastId = m.id;
          onEvent(m.event || 'message', m.data, lastId);
        },
        onclose() { onEnd('close'); throw new Error('closed'); },
        onerror(err) { onEnd('error'); throw err; },
      }).catch(() => {});
      return { close: () => ctrl.abort() };
    },
  },
  'eventsource-parser': {
    load: async () => (await import('/build/eventsource-parser.js')).createParser,
    open(createParser, url, types, onEvent, onEnd) {
      const ctrl = new AbortController();
      let lastId = '';
      const parser = createParser({
        onId(id) { lastId = id; },
        onEvent(e) { onEvent(e.event || 'message', e.data, lastId); },
      });
      (async () => {
        const res = await fetch(url, { signal: ctrl.signal, headers: { Accept: 'text/event-stream' }, cache: 'no-store' });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
        onEnd('end of stream');
      })().catch((e) => { if (!ctrl.signal.aborted) onEnd(`error ${e}`); });
      return { close: () => ctrl.abort() };
    },
  },
};

function esw(transport) {
  return {
    load: async () => (await import(CFG.eswModule || '/dist/index.js')).EventSource,
    open: (Ctor, url, ...a) => eventSourceLike(Ctor, url, { transport }, ...a),
  };
}

// Clock offset to the server (server epoch ms − page epoch ms). Both sides read wall-clock-based
// high-resolution time (timeOrigin + now()) from the same system clocks, so the offset is ~0;
// round trips to the server bound it: each one puts it in [server − after, server − before].
// The offset used is 0 unless the round trips prove otherwise, then the nearest value they allow.
// (The midpoint of the fastest round trip is worse: the two directions differ by ~0.1–0.3 ms.)
async function calibrate(rounds) {
  let lo = -Infinity;
  let hi = Infinity;
  let rtt = Infinity;
  for (let i = 0; i < rounds; i++) {
    const a = performance.timeOrigin + now();
    const server = Number(await (await fetch('/clock', { cache: 'no-store' })).text());
    const b = performance.timeOrigin + now();
    lo = Math.max(lo, server - b);
    hi = Math.min(hi, server - a);
    rtt = Math.min(rtt, b - a);
  }
  const offset = lo > hi ? (lo + hi) / 2 : Math.min(Math.max(0, lo), hi);
  return { offset, lo, hi, rtt };
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function main() {
  const client = CLIENTS[CFG.client];
  const mode = CFG.mode; // 'throughput' | 'latency' | 'startup'
  const lib = await client.load();
  const tLoaded = now();
  const n = CFG.events;
  const url = `/sse/${CFG.workload}?t=${CFG.token}`;
  const result = { ok: false, count: 0, hash: 0 };
  let calib = null;

  if (mode !== 'startup') {
    // One-time costs (e.g. instantiating wasm, code loaded on first use) belong to start-up, not
    // to throughput: a first source runs until the 204 fails it (as the standard says a 204 must),
    // so whatever its connection needed has been loaded and run once; then it is closed. (2 s at
    // most, for a client that would report no end.)
    let ended;
    const end = new Promise((resolve) => { ended = resolve; });
    const warm = client.open(lib, '/noop', ['message'], () => {}, () => ended());
    // (In the raw samples: whether it ended so.)
    result.warmed = await Promise.race([end.then(() => true), new Promise((resolve) => setTimeout(resolve, 2000, false))]);
    warm.close();
    if (mode === 'latency') calib = await calibrate(CFG.calibrationRounds);
    await new Promise((r) => setTimeout(r, 50));
    if (typeof gc === 'function') { gc(); gc(); }
  }

  // performance.memory is a snapshot: read it anew each time.
  const memory = 'memory' in performance;
  const heapUsed = () => performance.memory.usedJSHeapSize;
  const heapBase = memory ? heapUsed() : 0;
  let heapPeak = heapBase;
  // Reading performance.memory costs from a few µs to (with large strings being swept) a
  // millisecond: sample at most every 4 ms (checking the clock every few events), and take the
  // time spent sampling out of the elapsed time.
  const checkEvery = Math.min(64, Math.max(1, Math.floor(n / 1000)));
  let countdown = checkEvery;
  let lastSample = 0;
  let sampling = 0;
  const latencies = mode === 'latency' ? new Float64Array(n) : null;
  const origin = performance.timeOrigin;
  let hash = CFG.hashSeed;
  let count = 0;
  let finished = false;
  let source = null;
  let t0 = 0;
  let t1 = 0;
  let tOpened = 0;

  const finish = (ok, why) => {
    if (finished) return;
    finished = true;
    t1 = now();
    if (memory) heapPeak = Math.max(heapPeak, heapUsed());
    if (source) source.close();
    Object.assign(result, { ok, why, count, hash, elapsed: t1 - t0 - sampling, sampling, transport: source && source.transport, lastEventEpoch: origin + t1 });
    if (mode === 'startup') {
      result.startup = t1 - T_START;
      // Where start-up went: loading the script, the constructor (which instantiates the wasm
      // of this package), and the request until the first event.
      result.phases = { load: tLoaded - T_START, construct: tOpened - t0, firstEvent: t1 - tOpened };
    }
    if (mode === 'throughput') { result.heapBase = heapBase; result.heapPeak = heapPeak; }
    if (mode === 'latency') {
      const sorted = Array.from(latencies.subarray(0, count)).sort((x, y) => x - y);
      Object.assign(result, { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], calibration: calib });
      result.samples = Array.from(latencies.subarray(0, count), (x) => Math.round(x * 1000) / 1000);
    }
    if (diag) result.events = diag;
    result.visibility = document.visibilityState;
    report(result);
  };

  // Diagnosis (a rerun after a checksum mismatch): what each event was, to find the first
  // event that differs from the expected ones.
  const diag = CFG.diagnose ? [] : null;
  const onEvent = (type, data, lastEventId) => {
    if (finished) return;
    if (diag !== null) diag.push([type, lastEventId, data.length, data.slice(0, 24)]);
    if (latencies !== null) {
      const recv = origin + now() + calib.offset;
      latencies[count] = recv - Number(data.slice(data.indexOf(' ') + 1));
    }
    hash = hashEvent(hash, type, data, lastEventId);
    count++;
    if (memory && --countdown === 0) {
      countdown = checkEvery;
      const t = now();
      if (t - lastSample >= 4) {
        const used = heapUsed();
        if (used > heapPeak) heapPeak = used;
        lastSample = now();
        // Not the client's time: taken out of the elapsed time.
        sampling += lastSample - t;
      }
    }
    if (count === n) finish(true, 'all events');
  };
  // The end of the stream (or an error) before the last expected event: the client lost some
  // events. Anything still queued gets a moment to arrive.
  const onEnd = (why) => {
    if (finished) return;
    setTimeout(() => finish(false, why), 500);
  };

  if (CFG.hold) await new Promise((resolve) => { window.__go = resolve; }); // bench/profile.mjs
  t0 = now();
  source = client.open(lib, url, CFG.types, onEvent, onEnd);
  tOpened = now();
  setTimeout(() => finish(false, 'timeout'), CFG.timeout);
}

main().catch((e) => report({ ok: false, error: `harness: ${e && (e.stack || e)}` }));
