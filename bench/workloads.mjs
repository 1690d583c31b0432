// The benchmark's workloads, generated deterministically, and the checksum every client's
// received events are compared with.
//
// The shapes are those of the parser benchmark (benches/parser.rs): (a) 100k × 32 B,
// (b) 10k × 1 KiB, (c) 1k × 64 KiB, (d) 20k × 8 data lines × 32 B, (e) 1.5k mixed events
// (comments, types, ids, multi-line data, LF / CRLF / CR line ends, non-ASCII, a BOM) written
// 1–7 bytes at a time, (f) 20k typed events with `event:` and `id:` × 64 B. The bytes are not
// those of the Rust benchmark (its SplitMix64 would need BigInt here); the RNG is xorshift32.
//
// Every stream starts with `retry: 60000` so that no client reconnects during a measurement.
// In (a)–(d) and (f) the retry line is part of the first event's block (a block of its own would
// be a comment-like block that some clients report as an empty event); in (e) it sits in the
// stream's opening comment block, as in the parser benchmark.

/** The checksum's source is also sent to the page, so client and server hash alike. */
export const HASH_SOURCE = String.raw`
function hashStr(h, s) {
  const n = s.length;
  h = Math.imul(h ^ n, 16777619);
  if (n <= 8) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  } else {
    // The length and 8 code units at fixed positions (first and last included): the same
    // small cost for every event size, so hashing does not weigh on the fastest clients.
    const last = n - 1;
    for (let k = 0; k < 8; k++) h = Math.imul(h ^ s.charCodeAt(((k * last) / 7) | 0), 16777619);
  }
  return h;
}
function hashEvent(h, type, data, id) {
  return hashStr(hashStr(hashStr(h, type), id), data) >>> 0;
}
`;
export const HASH_SEED = 2166136261;
// eslint-disable-next-line no-new-func
export const { hashEvent } = new Function(`${HASH_SOURCE}; return { hashEvent };`)();

export const WORKLOADS = {
  a: { title: '(a) 100k × 32 B', events: 100_000, kind: 'data', lines: 1, lineLen: 32 },
  b: { title: '(b) 10k × 1 KiB', events: 10_000, kind: 'data', lines: 1, lineLen: 1024 },
  c: { title: '(c) 1k × 64 KiB', events: 1_000, kind: 'data', lines: 1, lineLen: 64 * 1024 },
  d: { title: '(d) 20k × 8 lines × 32 B', events: 20_000, kind: 'data', lines: 8, lineLen: 32 },
  e: { title: '(e) 1.5k mixed, 1–7 B writes', events: 1_500, kind: 'mixed' },
  f: { title: '(f) 20k typed + id × 64 B', events: 20_000, kind: 'typed' },
};
export const THROUGHPUT_IDS = Object.keys(WORKLOADS);

const NETWORK_CHUNK = 64 * 1024;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}:,"._-';
const TYPED = ['update', 'insert', 'delete', 'heartbeat'];
const MIXED_TYPES = ['tick', 'price', 'caf\u00e9'];

function rng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const ALPHABET_CODES = Buffer.from(ALPHABET, 'latin1');
function payload(below, len) {
  const b = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) b[i] = ALPHABET_CODES[below(ALPHABET_CODES.length)];
  return b.toString('latin1');
}

function fixedChunks(len, size) {
  const chunks = [];
  for (let at = 0; at < len; at += size) chunks.push(Math.min(size, len - at));
  return chunks;
}

/**
 * Builds a workload. `scale` (0 < scale ≤ 1) shrinks the event count (for --quick).
 * Returns { id, title, events, body: Buffer, chunks: number[], hash, dataBytes, types,
 * expected: [type, lastEventId, data length, first 24 code units of data] for each event }.
 */
export function buildWorkload(id, scale = 1) {
  const spec = WORKLOADS[id];
  const events = Math.max(1, Math.round(spec.events * scale));
  const parts = [];
  let hash = HASH_SEED;
  let dataBytes = 0;
  const expected = [];
  const add = (type, data, lastId) => {
    expected.push([type, lastId, data.length, data.slice(0, 24)]);
    hash = hashEvent(hash, type, data, lastId);
    dataBytes += Buffer.byteLength(data);
  };
  let chunks;
  let types;
  if (spec.kind === 'data') {
    const below = rng(0x9e3779b9 ^ (events * 31 + spec.lineLen));
    types = ['message'];
    for (let i = 0; i < events; i++) {
      const lines = [];
      for (let l = 0; l < spec.lines; l++) lines.push(payload(below, spec.lineLen));
      parts.push(`${i === 0 ? 'retry: 60000\n' : ''}data: ${lines.join('\ndata: ')}\n\n`);
      add('message', lines.join('\n'), '');
    }
  } else if (spec.kind === 'typed') {
    const below = rng(7);
    types = [...TYPED, 'message'];
    for (let i = 0; i < events; i++) {
      const type = TYPED[i % 4];
      const data = payload(below, 64);
      parts.push(`${i === 0 ? 'retry: 60000\n' : ''}event: ${type}\nid: ${1_000_000 + i}\ndata: ${data}\n\n`);
      add(type, data, String(1_000_000 + i));
    }
  } else {
    const below = rng(42);
    types = [...MIXED_TYPES, 'message'];
    parts.push('\uFEFF: stream start\r\nretry: 60000\r\n\r\n');
    let lastId = '';
    for (let i = 0; i < events; i++) {
      const eol = ['\n', '\r\n', '\r'][below(3)];
      let block = '';
      let type = 'message';
      if (below(4) === 0) block += `: keep-alive${eol}`;
      if (below(2) === 0) {
        type = MIXED_TYPES[below(3)];
        block += `event: ${type}${eol}`;
      }
      if (below(3) !== 0) {
        lastId = String(i);
        block += `id: ${i}${eol}`;
      }
      const lines = [];
      const count = 1 + below(4);
      for (let l = 0; l < count; l++) {
        let line = payload(below, 1 + below(80));
        if (below(8) === 0) line += '\u20ac\u{1f600}';
        lines.push(line);
        block += `data: ${line}${eol}`;
      }
      parts.push(block + eol);
      add(type, lines.join('\n'), lastId);
    }
  }
  const body = Buffer.from(parts.join(''), 'utf8');
  if (spec.kind === 'mixed') {
    const below = rng(4242);
    chunks = [];
    for (let left = body.length; left > 0;) {
      const n = Math.min(1 + below(7), left);
      chunks.push(n);
      left -= n;
    }
  } else {
    chunks = fixedChunks(body.length, NETWORK_CHUNK);
  }
  return { id, title: spec.title, events, body, chunks, hash, dataBytes, types, expected };
}
