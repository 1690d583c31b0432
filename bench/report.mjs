// Turns the benchmark's runs into the Markdown report: medians over rounds, ratios to native,
// failures instead of figures for clients that did not deliver exactly the expected events.

const POLYFILLS = ['event-source-polyfill', 'eventsource', 'fetch-event-source', 'eventsource-parser'];
const LABEL = {
  native: 'native',
  'esw-native': 'esw native',
  'esw-fetch': 'esw fetch',
  'esw-xhr': 'esw xhr',
  'esw-longpoll': 'esw longpoll',
  'esw-global': 'esw classic script',
  'empty-module': 'empty ES module + native',
  'event-source-polyfill': 'event-source-polyfill',
  eventsource: 'eventsource',
  'fetch-event-source': '@microsoft/fetch-event-source',
  'eventsource-parser': 'eventsource-parser + fetch',
};
const KIB = 1024;

export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmtRate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${Math.round(x / 1e3)}k` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : `${Math.round(x)}`);
const fmtMB = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtMs = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtRatio = (r) => (Number.isFinite(r) ? `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×` : '–');
const fmtBytes = (b) => (b >= 10 * KIB ? `${(b / KIB).toFixed(1)} KiB` : `${(b / KIB).toFixed(2)} KiB`);
const signed = (x) => `${x >= 0 ? '+' : '−'}${fmtMs(Math.abs(x))}`;

export function formatReport({ meta, runs, workloads, clients, startupClients, throughputIds, sizes, build, withLatency }) {
  const out = [];
  const notes = [];
  const note = (text) => {
    let i = notes.indexOf(text);
    if (i < 0) { notes.push(text); i = notes.length - 1; }
    return `[^${i + 1}]`;
  };

  // Per (mode, workload, client): the runs, and a failure if any run failed.
  const cell = (mode, workload, client) => {
    const rs = runs.filter((r) => r.mode === mode && r.workload === workload && r.client === client);
    const failed = rs.filter((r) => r.failure);
    return { rs, ok: rs.filter((r) => !r.failure), failed, failure: failed.length ? failed[0].failure : null };
  };
  const failText = (c) => `✗ ${shortFailure(c.failure)}${note(`${LABEL[c.failed[0].client]}, ${c.failed[0].workload}: ${c.failure} (${c.failed.length} of ${c.rs.length} runs)`)}`;

  // ---- figures (medians)
  const fig = {};
  for (const id of throughputIds) {
    const w = workloads[id];
    fig[id] = {};
    for (const client of clients) {
      const c = cell('throughput', id, client);
      if (!c.rs.length) continue;
      if (c.failure) { fig[id][client] = { failure: failText(c) }; continue; }
      const elapsed = median(c.ok.map((r) => r.elapsed));
      fig[id][client] = {
        eps: (w.events / elapsed) * 1000,
        mbps: w.body.length / elapsed / 1000,
        heap: median(c.ok.map((r) => (r.heapPeak - r.heapBase) / 1e6)),
        spread: spread(c.ok.map((r) => r.elapsed)),
        heapSpread: spread(c.ok.map((r) => r.heapPeak - r.heapBase)),
      };
    }
  }
  const lat = {};
  if (withLatency) {
    for (const client of clients) {
      const c = cell('latency', 'latency', client);
      if (!c.rs.length) continue;
      if (c.failure) { lat[client] = { failure: failText(c) }; continue; }
      lat[client] = { p50: median(c.ok.map((r) => r.p50)), p90: median(c.ok.map((r) => r.p90)), p99: median(c.ok.map((r) => r.p99)), rtt: median(c.ok.map((r) => r.calibration.rtt)) };
    }
  }
  const start = {};
  for (const client of startupClients) {
    const c = cell('startup', 'first', client);
    if (!c.rs.length) continue;
    start[client] = c.failure ? { failure: failText(c) } : {
      ms: median(c.ok.map((r) => r.startup)),
      load: median(c.ok.map((r) => r.phases.load)),
      construct: median(c.ok.map((r) => r.phases.construct)),
      firstEvent: median(c.ok.map((r) => r.phases.firstEvent)),
    };
  }

  // ---- header
  out.push('# eventsource-wasm benchmark', '');
  out.push(`- Machine: ${meta.cpu}, ${meta.load}; Node ${meta.node}; ${meta.chromium.startsWith('Chrom') ? '' : 'Chromium '}${meta.chromium} (Debian, headless, driven by playwright-core without DevTools domains attached to the pages).`);
  out.push(`- ${meta.date.slice(0, 16).replace('T', ' ')} UTC; ${meta.rounds} round(s) (latency: ${meta.latencyRounds}), clients interleaved, medians; every run in a fresh browser context; ran in ${Math.round(meta.runtime)} s.${meta.quick ? ' **Quick run: workloads at 10 % of their size, 1 round — a smoke test, not figures to quote.**' : ''}`);
  if (meta.attachedPages) out.push(`- **Warning: ${meta.attachedPages} page(s) had a DevTools session attached; their figures are suspect.**`);
  out.push(`- Versions: ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  out.push('- Columns "esw …" are this package with `transport: \'native\' | \'fetch\' | \'xhr\' | \'longpoll\'`. Cells: median (ratio to native). ✗: the client did not deliver exactly the expected events (checked by a checksum over type, data and lastEventId of every event), so it is not timed.');
  out.push('');

  // ---- throughput
  if (throughputIds.length) {
    const table = (title, key, fmt, unit) => {
      out.push(`## ${title}`, '');
      out.push(`| workload | ${clients.map((c) => LABEL[c]).join(' | ')} |`);
      out.push(`|---|${clients.map(() => '--:').join('|')}|`);
      for (const id of throughputIds) {
        const base = fig[id].native && fig[id].native[key];
        const cells = clients.map((c) => {
          const f = fig[id][c];
          if (!f) return '';
          if (f.failure) return f.failure;
          return c === 'native' ? `${fmt(f[key])}${unit}` : `${fmt(f[key])}${unit} (${fmtRatio(key === 'heap' ? f[key] / base : f[key] / base)})`;
        });
        out.push(`| ${workloads[id].title} | ${cells.join(' | ')} |`);
      }
      out.push('');
    };
    table('Throughput: events/s', 'eps', fmtRate, '');
    table('Throughput: MB/s (event-stream bytes, 10⁶ B)', 'mbps', fmtMB, '');
    table('Peak JS heap growth during the workload, MB', 'heap', (x) => x.toFixed(1), '');
    const spreads = clients.map((c) => median(throughputIds.map((id) => fig[id][c] && fig[id][c].spread).filter((x) => x !== undefined)));
    out.push(`Run-to-run spread (median over workloads of (max − min) / median of the run times): ${clients.map((c, i) => `${LABEL[c]} ${Number.isFinite(spreads[i]) ? `${Math.round(spreads[i] * 100)} %` : '–'}`).join(', ')}.`, '');
    // The heap's own spread: on a workload whose runs differ in length (e), so does the heap.
    const heapSpreads = clients.map((c) => {
      const per = throughputIds.map((id) => [id, fig[id][c] && fig[id][c].heapSpread]).filter(([, x]) => Number.isFinite(x));
      if (!per.length) return `${LABEL[c]} –`;
      const widest = per.reduce((a, b) => (b[1] > a[1] ? b : a));
      return `${LABEL[c]} ${Math.round(median(per.map(([, x]) => x)) * 100)} % (widest (${widest[0]}) ${Math.round(widest[1] * 100)} %)`;
    });
    out.push(`Heap growth's run-to-run spread (the same measure over the heap figures): ${heapSpreads.join(', ')}.`, '');
    // (e) trickles its bytes: when every client gets its last event right after the server's last
    // write, the run's length was the server's pace, not the client's, and its events/s say
    // little about the client (see "(e)" in the README).
    const paced = throughputIds.filter((id) => runs.some((r) => r.workload === id && r.tail !== undefined));
    for (const id of paced) {
      const timed = clients.map((c) => cell('throughput', id, c).ok.filter((r) => r.tail !== undefined));
      const row = (label, value) => out.push(`| ${label} | ${timed.map((rs) => (rs.length ? value(rs) : '')).join(' | ')} |`);
      out.push(`## ${workloads[id].title}: paced by the server`, '');
      out.push(`| | ${clients.map((c) => LABEL[c]).join(' | ')} |`);
      out.push(`|---|${clients.map(() => '--:').join('|')}|`);
      row("the server's writes, ms", (rs) => median(rs.map((r) => r.serverMs)).toFixed(0));
      row("the last event after the server's last write, ms", (rs) => median(rs.map((r) => r.tail)).toFixed(1));
      row('the same, worst run, ms', (rs) => Math.max(...rs.map((r) => r.tail)).toFixed(1));
      out.push(`| the run times' spread, (max − min) / median | ${clients.map((c) => (fig[id][c] && Number.isFinite(fig[id][c].spread) ? `${Math.round(fig[id][c].spread * 100)} %` : '')).join(' | ')} |`);
      out.push('', "Medians over the rounds. The server writes the next piece once the previous one reached the kernel, so how long its writes take is set by this machine's scheduling, for every client alike; a client that keeps pace delivers its last event a few ms after the last write, whatever its events/s.", '');
    }
  }

  // ---- latency
  if (withLatency && Object.keys(lat).length) {
    out.push(`## Latency: server write → listener, one event every ${meta.latency.interval} ms for ${(meta.latency.events * meta.latency.interval) / 1000} s, ms`, '');
    out.push(`| percentile | ${clients.map((c) => LABEL[c]).join(' | ')} |`);
    out.push(`|---|${clients.map(() => '--:').join('|')}|`);
    for (const p of ['p50', 'p90', 'p99']) {
      const base = lat.native && lat.native[p];
      out.push(`| ${p} | ${clients.map((c) => {
        const l = lat[c];
        if (!l) return '';
        if (l.failure) return l.failure;
        return c === 'native' ? fmtMs(l[p]) : `${fmtMs(l[p])} (${signed(l[p] - base)}, ${fmtRatio(l[p] / base)})`;
      }).join(' | ')} |`);
    }
    out.push('');
    const cal = runs.filter((r) => r.mode === 'latency' && r.calibration);
    const shifted = cal.filter((r) => r.calibration.offset !== 0).length;
    out.push(`Server and page read the same clocks (\`performance.timeOrigin + performance.now()\` on both sides); 20 fetch round trips per page check that they agree (fastest round trip: median ${fmtMs(median(cal.map((r) => r.calibration.rtt)))} ms${shifted ? `; in ${shifted} of ${cal.length} pages they did not, and the offset they allow was applied` : '; they did in every page'}). Cells: median of the per-run percentiles (difference to native, ratio).`, '');
  }

  // ---- start-up
  if (Object.keys(start).length) {
    out.push('## Start-up: script start → first event, cold (fresh context; fetching, compiling, instantiating included), ms', '');
    const cs = startupClients.filter((c) => start[c]);
    out.push(`| | ${cs.map((c) => LABEL[c]).join(' | ')} |`);
    out.push(`|---|${cs.map(() => '--:').join('|')}|`);
    out.push(`| start-up | ${cs.map((c) => {
      const s = start[c];
      if (s.failure) return s.failure;
      return c === 'native' ? fmtMs(s.ms) : `${fmtMs(s.ms)} (${signed(s.ms - start.native.ms)}, ${fmtRatio(s.ms / start.native.ms)})`;
    }).join(' | ')} |`);
    for (const [key, label] of [['load', 'of which: loading the script'], ['construct', 'the constructor'], ['firstEvent', 'request → first event']]) {
      out.push(`| ${label} | ${cs.map((c) => (start[c].failure ? '' : fmtMs(start[c][key]))).join(' | ')} |`);
    }
    out.push('', 'Phases are medians of their own, so they need not add up to the total.', '');
  }

  // ---- sizes
  out.push('## Size: what the page downloads, minified, gzip -9', '');
  out.push('| client | files | minified | gzip |');
  out.push('|---|---|--:|--:|');
  out.push('| native | – | 0 | 0 |');
  for (const s of sizes) out.push(`| ${s.label} | ${s.files.map((f) => `\`${f}\``).join(', ')} | ${fmtBytes(s.min)} | ${fmtBytes(s.gzip)} |`);
  out.push('');
  if (build) {
    // What `npm run build` measured (pkg/sizes.json): each file against the budget the build
    // enforces (a ceiling against growth) and #17's target.
    out.push('### The package\'s files (`npm run build`, gzip -9): the budget the build enforces, #17\'s target', '');
    out.push('| file | raw | gzip | budget | target |', '|---|--:|--:|--:|--:|');
    for (const [name, f] of Object.entries(build.files)) {
      out.push(`| ${name} | ${fmtBytes(f.raw)} | ${fmtBytes(f.gzip)} | ${fmtBytes(f.budget)} ${f.gzip <= f.budget ? '✅' : '❌'} | ${fmtBytes(f.target)} ${f.gzip <= f.target ? '✅' : '❌'} |`);
    }
    for (const [name, f] of Object.entries(build.lazy || {})) out.push(`| ${name} (loaded on first use) | ${fmtBytes(f.raw)} | ${fmtBytes(f.gzip)} | – | – |`);
    out.push('');
    const b = build.engine.breakdown;
    if (b) {
      out.push(`### The engine's wasm by module (${fmtBytes(build.engine.raw)}, ${fmtBytes(build.engine.gzip)} gzip)`, '');
      out.push('Code bytes of each function, summed by the Rust module it comes from; what the compiler inlined into the boundary\'s exported functions (`esw_*`) counts as the boundary\'s.', '');
      out.push('| module | bytes |', '|---|--:|');
      for (const [group, bytes] of Object.entries(b.code)) out.push(`| ${group} | ${bytes} |`);
      out.push(`| data (strings, tables) | ${b.data} |`, '');
    }
  }

  // ---- targets
  const T = [];
  const target = (what, measured, pass) => T.push(`| ${what} | ${measured} | ${pass === null ? '–' : pass ? '✅' : '❌'} |`);
  const val = (id, c, key) => fig[id] && fig[id][c] && !fig[id][c].failure ? fig[id][c][key] : NaN;
  const has = (c) => clients.includes(c);
  // The same ratio of events/s (or MB/s) per round, from the two clients' runs of that round
  // (adjacent in time): lowest–highest, to show how far this run's noise reaches.
  const perRound = (id, a, b) => {
    const byRound = (c) => new Map(cell('throughput', id, c).ok.map((r) => [r.round, r.elapsed]));
    const ea = byRound(a);
    const eb = byRound(b);
    const rs = [...ea].filter(([k]) => eb.has(k)).map(([k, t]) => eb.get(k) / t);
    if (rs.length < 2) return '';
    return ` (per round ${fmtRatio(Math.min(...rs))}–${fmtRatio(Math.max(...rs))})`;
  };
  if (has('esw-fetch')) {
    for (const id of ['a', 'd', 'f'].filter((x) => fig[x])) {
      const r = val(id, 'esw-fetch', 'eps') / val(id, 'native', 'eps');
      target(`fetch transport ≥ 2× native events/s on ${workloads[id].title}`, `${fmtRatio(r)}${perRound(id, 'esw-fetch', 'native')}`, Number.isFinite(r) ? r >= 2 : false);
    }
    if (fig.b) {
      const r = val('b', 'esw-fetch', 'eps') / val('b', 'native', 'eps');
      target(`fetch transport ≥ native events/s on ${workloads.b.title}`, `${fmtRatio(r)}${perRound('b', 'esw-fetch', 'native')}`, Number.isFinite(r) ? r >= 1 : false);
    }
    if (fig.c) {
      const r = val('c', 'esw-fetch', 'mbps') / val('c', 'native', 'mbps');
      target(`fetch transport ≥ native MB/s on ${workloads.c.title}`, `${fmtRatio(r)}${perRound('c', 'esw-fetch', 'native')}`, Number.isFinite(r) ? r >= 1 : false);
    }
    for (const id of throughputIds) {
      const poly = POLYFILLS.filter((p) => has(p)).map((p) => [p, val(id, p, 'eps')]).filter(([, v]) => Number.isFinite(v));
      if (!poly.length) continue;
      const [bestName, best] = poly.reduce((a, b) => (b[1] > a[1] ? b : a));
      const r = val(id, 'esw-fetch', 'eps') / best;
      target(`fetch transport ≥ best polyfill on ${workloads[id].title}`, `${fmtRatio(r)} of ${LABEL[bestName]}${perRound(id, 'esw-fetch', bestName)}`, Number.isFinite(r) ? r >= 1 : false);
    }
  }
  if (has('esw-native') && throughputIds.length) {
    const rs = throughputIds.map((id) => [id, val(id, 'esw-native', 'eps') / val(id, 'native', 'eps')]);
    const worst = rs.reduce((a, b) => (!(b[1] >= a[1]) ? b : a));
    target('native wrapper within 10 % of native (events/s, every workload)', `worst ${fmtRatio(worst[1])} on (${worst[0]})${perRound(worst[0], 'esw-native', 'native')}`, rs.every(([, r]) => r >= 0.9));
  }
  for (const c of ['esw-native', 'esw-fetch'].filter((x) => has(x) && lat[x] && lat.native && !lat.native.failure)) {
    if (lat[c].failure) { target(`${LABEL[c]}: latency`, 'failed', false); continue; }
    const d50 = lat[c].p50 - lat.native.p50;
    const d99 = lat[c].p99 - lat.native.p99;
    target(`${LABEL[c]}: latency p50 within 0.1 ms of native`, `${signed(d50)} ms`, Math.abs(d50) <= 0.1 || d50 < 0);
    target(`${LABEL[c]}: latency p99 ≤ native + 0.5 ms`, `${signed(d99)} ms`, d99 <= 0.5);
  }
  for (const c of ['esw-native', 'esw-fetch'].filter((x) => has(x))) {
    const rs = throughputIds.map((id) => [id, val(id, c, 'heap') / val(id, 'native', 'heap')]);
    if (!rs.length) continue;
    const worst = rs.reduce((a, b) => (!(b[1] <= a[1]) ? b : a));
    target(`${LABEL[c]}: heap growth ≤ 1.5× native's (every workload)`, `worst ${fmtRatio(worst[1])} on (${worst[0]})`, rs.every(([, r]) => r <= 1.5));
  }
  if (build) {
    for (const [name, f] of Object.entries(build.files)) target(`${name} ≤ ${fmtBytes(f.target)} gzip`, fmtBytes(f.gzip), f.gzip <= f.target);
  }
  for (const c of ['esw-native', 'esw-fetch'].filter((x) => start[x] && !start[x].failure)) {
    target(`${LABEL[c]}: the constructor's first call ≤ 1.5 ms`, `${fmtMs(start[c].construct)} ms`, start[c].construct <= 1.5);
  }
  const floor = start['empty-module'];
  for (const c of ['esw-native', 'esw-fetch'].filter((x) => start[x] && floor && !floor.failure)) {
    if (start[c].failure) { target(`${LABEL[c]}: start-up`, 'failed', false); continue; }
    const d = start[c].ms - floor.ms;
    target(`${LABEL[c]}: script start → first event within 3 ms of ${LABEL['empty-module']}`, `${signed(d)} ms`, d <= 3);
  }
  if (T.length) {
    out.push(`## Targets${meta.quick ? ' (quick run: indicative only)' : ''}`, '', '| target | measured | met |', '|---|--:|:-:|', ...T, '');
    out.push('"Per round": the same ratio from the two clients\' runs of each round, which ran close together; lowest–highest. Where that range straddles a threshold, whether the target is met is within this run\'s noise.', '');
  }

  // ---- method
  out.push('## Method', '');
  out.push(`- Server: Node \`http\` on 127.0.0.1 (Nagle off, headers flushed, CORS \`*\`); each workload is generated once, deterministically, and written in 64 KiB writes with back-pressure, except (e), written 1–7 bytes per write, each write after the previous one reached the kernel. Every stream starts with \`retry: 60000\` and ends after its last event; each client is closed by its listener on the last expected event.`);
  out.push('- Page: t0 right before the client is created, t1 in the listener of the last event; events/s = events / (t1 − t0), MB/s = event-stream bytes / (t1 − t0). Every client first runs one source to a 204 until that fails it (as the standard says), then closes it, so that one-time costs such as compiling the wasm or loading code on first use fall in start-up, not in throughput; then `gc()`, then the baseline of `performance.memory.usedJSHeapSize` (`--enable-precise-memory-info`), sampled every 4 ms during the workload (each read costs ~20 µs); heap growth = peak − baseline (JS heap only: wasm linear memory is not in it).');
  out.push('- Every listener folds type, data and lastEventId into a rolling hash (FNV-1a over the length and all code units of strings up to 8, 8 fixed samples of longer ones; the listener\'s own work, the same for every client, is part of the timing) that is compared with the server\'s. Clients that are parsers (`@microsoft/fetch-event-source`, `eventsource-parser`) get an adapter that keeps the last event ID as the standard does; `eventsource-parser` reads `fetch` through `TextDecoderStream`.');
  out.push(`- Latency: the server puts \`performance.timeOrigin + performance.now()\` in each event right before writing it; the page (cross-origin isolated, so timers have 5 µs resolution) compares with its own (the same clocks; 20 round trips to the server check that the two agree). Start-up: from the first inline script of a fresh page (nothing cached, \`Cache-Control: no-store\`) to the first event of a stream that sends one at once; includes importing the client's script.`);
  out.push('- Size: the files the start-up page fetched for the client, minified (esbuild, if that makes them smaller) and gzip -9. The npm clients are bundled with esbuild (minified ES modules) into `bench/.build/`.');
  out.push('');
  if (notes.length) {
    out.push(...notes.map((n, i) => `[^${i + 1}]: ${n}`), '');
  }
  // The figures the README quotes (scripts/readme-figures.mjs reads them from here, so that the
  // README can only quote the last report).
  const ratio = (a, b) => (Number.isFinite(a / b) ? Math.round((a / b) * 100) / 100 : null);
  const figures = {
    date: meta.date,
    rounds: meta.rounds,
    quick: !!meta.quick,
    load: meta.load,
    throughput: Object.fromEntries(clients.filter((c) => c !== 'native').map((c) => [c, Object.fromEntries(throughputIds.map((id) => [id, fig[id][c] && !fig[id][c].failure && fig[id].native ? ratio(fig[id][c].eps, fig[id].native.eps) : null]))])),
    heap: Object.fromEntries(clients.filter((c) => c !== 'native').map((c) => [c, Object.fromEntries(throughputIds.map((id) => [id, fig[id][c] && !fig[id][c].failure && fig[id].native ? ratio(fig[id][c].heap, fig[id].native.heap) : null]))])),
    latency: Object.fromEntries(Object.entries(lat).filter(([, l]) => !l.failure).map(([c, l]) => [c, { p50: Math.round(l.p50 * 100) / 100, p99: Math.round(l.p99 * 100) / 100 }])),
    startup: Object.fromEntries(Object.entries(start).filter(([, s]) => !s.failure).map(([c, s]) => [c, { ms: Math.round(s.ms * 10) / 10, construct: Math.round(s.construct * 100) / 100 }])),
  };
  out.push(`<!-- figures ${JSON.stringify(figures)} -->`, '');
  return out.join('\n');
}

function spread(xs) {
  const m = median(xs);
  return xs.length > 1 ? (Math.max(...xs) - Math.min(...xs)) / m : undefined;
}

function shortFailure(f) {
  if (/^loses events/.test(f)) return `loses events (${f.match(/: (\d+ of \d+)/)?.[1] ?? ''})`;
  if (/an invented event/.test(f)) return 'invents events';
  if (/a lost event/.test(f)) return 'loses events';
  if (/checksum/.test(f)) return 'wrong events';
  if (/timeout/.test(f)) return 'timeout';
  return 'error';
}
