// The stand-ins of js/legacy/private.js (what the legacy script uses where the browser lacks the
// real thing), compared in Node.js with the real things. `checkPrivate(check)` reports each
// through check(name, ok, detail).
import { __eswFallbacks as f } from '../../js/legacy/private.js';

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

// The next uncaught exception (what the stand-ins report errors as), or null if none comes
// within 5 s.
function nextUncaught() {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.off('uncaughtException', take);
      resolve(null);
    }, 5000);
    function take(error) {
      clearTimeout(timer);
      resolve(error);
    }
    process.once('uncaughtException', take);
  });
}

// A fixed-seed generator: the same inputs every run.
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function show(v) {
  return Object.is(v, -0) ? '-0' : typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function compare(check, name, inputs, ours, theirs) {
  const wrong = [];
  for (const args of inputs) {
    const a = ours(...args);
    const b = theirs(...args);
    if (!Object.is(a, b)) wrong.push(`(${args.map(show).join(', ')}): ${show(a)}, expected ${show(b)}`);
  }
  check(`${name} (${inputs.length} inputs)`, wrong.length === 0, wrong.slice(0, 5).join('; '));
}

function checkMath(check) {
  const next = random(0x5eed);
  const edges = [0, -0, 1, -1, 2, 3, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff, 0x100000000, 0xffff, 0x10000,
    0x12345678, -0x12345678, 2 ** 53, -(2 ** 53), 3.7, -3.7, 0.5, -0.5, 1.5, -1.5, NaN, Infinity, -Infinity, 1e21, -1e-300];
  const powers = [];
  for (let k = 0; k <= 33; k++) powers.push(2 ** k, 2 ** k - 1, 2 ** k + 1);
  const ints = [];
  for (let i = 0; i < 20000; i++) ints.push(next() | 0);
  const pairs = [];
  for (const a of edges) for (const b of edges) pairs.push([a, b]);
  for (let i = 0; i < 20000; i++) pairs.push([next() | 0, next()]);
  compare(check, 'private Math.imul equals the real one', pairs, f.imul, Math.imul);
  compare(check, 'private Math.clz32 equals the real one', [...edges, ...powers, ...ints].map((x) => [x]), f.clz32, Math.clz32);
  const reals = [...edges, 2 ** 52 + 0.5, 4503599627370495.5, 1e300, -1e300, 0.1, 1 / 3, 1e40, -1e40, 1e-50, 2 ** -149, 2 ** -150, 16777217, 3.4028235677973366e38];
  for (let i = 0; i < 5000; i++) reals.push((next() - 2 ** 31) / (next() + 1) * 2 ** (next() % 80 - 40));
  compare(check, 'private Math.trunc equals the real one', reals.map((x) => [x]), f.trunc, Math.trunc);
  compare(check, 'private Math.fround equals the real one', reals.map((x) => [x]), f.fround, Math.fround);
}

function checkText(check) {
  const next = random(0xc0de);
  const units = [0x41, 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0x20ac, 0xfeff, 0xfffd, 0xffff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00];
  const strings = ['', 'abc', 'é€😀', 'a\ud800', '\udc00b', '\ud800\ud800\udc00', '\ud83d', '\ufeffBOM', 'x'.repeat(5000), '😀'.repeat(6000)];
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const n = next() % 40;
    for (let k = 0; k < n; k++) s += String.fromCharCode(next() % 3 ? units[next() % units.length] : next() % 0x10000);
    strings.push(s);
  }
  const encoder = new TextEncoder();
  const ours = new f.TextEncoder();
  const wrongEncode = strings.filter((s) => Buffer.compare(Buffer.from(ours.encode(s)), Buffer.from(encoder.encode(s))) !== 0);
  check(`private TextEncoder encodes as the real one (${strings.length} strings, lone surrogates included)`, wrongEncode.length === 0,
    wrongEncode.slice(0, 3).map((s) => JSON.stringify(s)).join(', '));
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const ourDecoder = new f.TextDecoder('utf-8', { ignoreBOM: true });
  const inputs = strings.map((s) => encoder.encode(s));
  const valid = inputs.length;
  // Malformed input too: cut sequences, overlongs, surrogates, beyond U+10FFFF, random bytes.
  inputs.push(...[[0x61, 0xff, 0x62], [0xc0, 0x80], [0xe2, 0x82], [0xe2, 0x82, 0x41], [0xed, 0xa0, 0x80], [0xe0, 0x80, 0x80],
    [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0x80, 0xbf], [0xf8, 0x88, 0x80, 0x80, 0x80]].map((b) => new Uint8Array(b)));
  for (let i = 0; i < 3000; i++) inputs.push(Uint8Array.from({ length: next() % 24 }, () => (next() % 4 ? 0x80 + (next() % 0x80) : next() % 0x100)));
  const wrongDecode = inputs.filter((b) => ourDecoder.decode(b) !== decoder.decode(b));
  check(`private TextDecoder decodes as the real one with ignoreBOM (${valid} valid and ${inputs.length - valid} malformed inputs)`,
    wrongDecode.length === 0 && ourDecoder.decode() === '' && ourDecoder.decode(new Uint8Array(0)) === '',
    wrongDecode.slice(0, 3).map((b) => `[${[...b.slice(0, 12)]}]`).join(', '));
}

function checkArrays(check) {
  // Each case makes its arguments anew: an iterator is used up by the first call.
  const map = () => new Map([['a', 1], ['b', 2]]);
  const cases = [() => [[1, 2, 3]], () => [{ length: 3, 0: 'x', 2: 'z' }], () => [new Set([3, 1, 3, 2])], () => [map()],
    () => [map().keys()], () => ['a😀b'], () => [[1, 2], (v, i) => v * 10 + i], () => [{ length: 2.7, 0: 'p', 1: 'q' }], () => [{}], () => [5]];
  const wrong = cases.filter((args) => JSON.stringify(f.arrayFrom(...args())) !== JSON.stringify(Array.from(...args())));
  check('private Array.from equals the real one on arrays, array-likes, Set, Map, iterators, strings, mapFn', wrong.length === 0,
    wrong.map((args) => `${JSON.stringify(f.arrayFrom(...args()))} for ${args}`).join('; '));

  const next = random(0xbeef);
  let wrongCopy = 0;
  let wrongFill = 0;
  for (let i = 0; i < 2000; i++) {
    const base = Uint8Array.from({ length: 64 }, (_, k) => k);
    const size = next() % 40;
    const source = next() % (64 - size + 1);
    const dest = next() % (64 - size + 1);
    const a = base.slice();
    f.memoryCopy(a, dest, source, size);
    const b = base.slice().copyWithin(dest, source, source + size);
    if (Buffer.compare(a, b) !== 0) wrongCopy++;
    const c = base.slice();
    f.memoryFill(c, dest, 0xab, size);
    if (Buffer.compare(c, base.slice().fill(0xab, dest, dest + size)) !== 0) wrongFill++;
  }
  check('private memory.copy equals copyWithin, overlapping ranges both ways (2000 copies)', wrongCopy === 0, `${wrongCopy} differ`);
  check('private memory.fill equals fill (2000 fills)', wrongFill === 0, `${wrongFill} differ`);
}

// A script of promise reactions whose order the standard fixes; the log must be the same with
// the stand-in as with the real Promise. Resolves with the log once every reaction has run.
async function promiseScript(P) {
  const log = [];
  const a = P.resolve('a');
  a.then((v) => log.push(`1${v}`)).then(() => log.push('3'));
  a.then(() => log.push('2')).then(() => log.push('4'));
  new P((resolve) => resolve(P.resolve('adopted'))).then((v) => log.push(v));
  P.resolve({ then: (resolve) => resolve('thenable') }).then((v) => log.push(v));
  P.reject(new Error('r')).then(() => log.push('wrong')).catch((e) => log.push(`caught ${e.message}`));
  P.resolve(1).then(() => { throw new Error('thrown'); }).then(null, (e) => log.push(e.message));
  new P(() => { throw new Error('executor'); }).catch((e) => log.push(e.message));
  new P((resolve, reject) => { resolve('first'); reject(new Error('second')); resolve('third'); }).then((v) => log.push(v));
  const cycle = P.resolve().then(() => cycle);
  cycle.catch((e) => log.push(`cycle ${e instanceof TypeError}`));
  P.resolve(P.resolve('identity')).then((v) => log.push(v));
  let syncRan = false;
  P.resolve().then(() => { syncRan = true; });
  log.push(`sync ${syncRan}`);
  await nextTask(); // every microtask has run before the next task
  log.push(`same promise ${P.resolve(a) === a}`);
  return log;
}

async function checkPromise(check) {
  const ours = await promiseScript(f.Promise);
  const real = await promiseScript(Promise);
  check('private Promise runs reactions in the standard\'s order (then, catch, thenables, adoption, cycles, throws)',
    JSON.stringify(ours) === JSON.stringify(real), `got ${JSON.stringify(ours)}, expected ${JSON.stringify(real)}`);

  const log = [];
  setTimeout(() => log.push('task'), 0);
  f.queueMicrotask(() => {
    log.push('m1');
    f.queueMicrotask(() => log.push('m3'));
  });
  f.queueMicrotask(() => log.push('m2'));
  const thrown = new Error('from a microtask');
  const reported = nextUncaught();
  f.queueMicrotask(() => { throw thrown; });
  f.queueMicrotask(() => log.push('after the throw'));
  let typeError = false;
  try { f.queueMicrotask('no'); } catch (e) { typeError = e instanceof TypeError; }
  await nextTask();
  await nextTask();
  const error = await reported;
  check('private queueMicrotask: order, nested jobs before the next task, a throw reported without stopping the rest',
    JSON.stringify(log) === JSON.stringify(['m1', 'm2', 'after the throw', 'm3', 'task']) && error === thrown && typeError,
    `log ${JSON.stringify(log)}, reported ${error && error.message}, TypeError for a non-function: ${typeError}`);

  const s1 = f.Symbol('x');
  const s2 = f.Symbol('x');
  check('private Symbol gives distinct keys, and the well-known names Babel\'s helpers expect',
    s1 !== s2 && typeof s1 === 'string' && f.Symbol.iterator === '@@iterator' && f.Symbol.asyncIterator === '@@asyncIterator' &&
    f.Symbol.toStringTag === '@@toStringTag', `${s1} ${s2}`);
  const r1 = f.Symbol.for('k');
  check('private Symbol.for gives one key per name, none that Symbol() gives',
    typeof r1 === 'string' && r1 === f.Symbol.for('k') && r1 !== f.Symbol.for('j') && r1 !== f.Symbol('k'), `${r1}`);
}

async function checkEvents(check) {
  const target = new f.EventTarget();
  const log = [];
  const late = () => log.push('late');
  const removed = () => log.push('removed (wrong)');
  const twice = () => log.push('twice');
  target.addEventListener('x', (e) => log.push(`bubble1 ${e.target === target} ${e.currentTarget === target} ${e.eventPhase}`));
  target.addEventListener('x', () => {
    log.push('bubble2');
    target.removeEventListener('x', removed);
    target.addEventListener('x', late);
  });
  target.addEventListener('x', removed);
  target.addEventListener('x', twice);
  target.addEventListener('x', twice);
  target.addEventListener('x', twice, { capture: true });
  target.addEventListener('x', { handleEvent: (e) => log.push(`object ${e.type}`) });
  target.addEventListener('x', () => log.push('capture'), true);
  const event = new f.Event('x', { cancelable: true });
  target.addEventListener('x', (e) => e.preventDefault());
  const result = target.dispatchEvent(event);
  check('private EventTarget: capturing listeners first, list copied per dispatch, duplicates ignored, handleEvent, target',
    JSON.stringify(log) === JSON.stringify(['twice', 'capture', 'bubble1 true true 2', 'bubble2', 'twice', 'object x']) &&
      result === false && event.defaultPrevented && event.currentTarget === null && event.eventPhase === 0,
    `log ${JSON.stringify(log)}, returned ${result}, currentTarget after ${event.currentTarget}`);

  const stops = new f.EventTarget();
  const seen = [];
  stops.addEventListener('a', (e) => { seen.push('a1'); e.stopImmediatePropagation(); });
  stops.addEventListener('a', () => seen.push('a2'));
  stops.addEventListener('b', (e) => { seen.push('b-capture'); e.stopPropagation(); }, true);
  stops.addEventListener('b', () => seen.push('b-bubble'));
  const thrown = new Error('from a listener');
  const reported = nextUncaught();
  stops.addEventListener('c', () => { throw thrown; });
  stops.addEventListener('c', () => seen.push('c2'));
  stops.dispatchEvent(new f.Event('a'));
  stops.dispatchEvent(new f.Event('b'));
  const uncancelable = new f.Event('c');
  uncancelable.preventDefault();
  const returned = stops.dispatchEvent(uncancelable);
  const error = await reported;
  check('private EventTarget: stopImmediatePropagation, stopPropagation in a capturing listener, a throw reported without stopping the rest',
    JSON.stringify(seen) === JSON.stringify(['a1', 'b-capture', 'c2']) && error === thrown && returned === true,
    `seen ${JSON.stringify(seen)}, reported ${error && error.message}, returned ${returned}`);

  class Detailed extends f.Event {
    get reason() { return 'from the getter'; }
  }
  const detailed = new Detailed('error', { reason: 'x', cancelable: false });
  const message = new f.MessageEvent('message', { data: 'd', origin: 'o', lastEventId: '7' });
  check('private Event and MessageEvent take their standard init members only (subclass getters keep working)',
    detailed.reason === 'from the getter' && detailed.type === 'error' && message instanceof f.Event && message.data === 'd' &&
      message.origin === 'o' && message.lastEventId === '7' && new f.MessageEvent('m').data === null,
    `reason ${detailed.reason}, data ${message.data}`);
}

export async function checkPrivate(check) {
  checkMath(check);
  checkText(check);
  checkArrays(check);
  await checkPromise(check);
  await checkEvents(check);
}
