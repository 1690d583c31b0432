// Shortens the import names that wasm-bindgen gives the wasm module: `__wbg_<name>_<16 hex
// digits>`, about 45 bytes each, ~180 of them, written once in the .wasm and once in the JS glue.
// The hex digits don't compress, so they cost ~5 KB of the gzipped bundle for nothing. Each
// import gets a short name (a, b, …, ba, …) in both files.
//
//   shortenImports(wasmBytes, glueText) → { wasm: Uint8Array, glue: string, renamed: number }
//
// Throws if the two files disagree (a name in the .wasm that the glue does not define exactly
// once), so a change in wasm-bindgen's output fails the build instead of the page.

function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

function leb(value) {
  const out = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

const utf8 = new TextDecoder();
const encode = (s) => [...new TextEncoder().encode(s)];

function readName(bytes, at) {
  const [len, start] = readLeb(bytes, at);
  return [utf8.decode(bytes.subarray(start, start + len)), start + len];
}

// Skips an import's description (what is imported), returning where the next import starts.
function skipDesc(bytes, at) {
  const kind = bytes[at++];
  const limits = (p) => {
    const flags = bytes[p++];
    [, p] = readLeb(bytes, p);
    if (flags & 1) [, p] = readLeb(bytes, p);
    return p;
  };
  switch (kind) {
    case 0: // function: type index
      return readLeb(bytes, at)[1];
    case 1: // table: reference type, limits
      return limits(at + 1);
    case 2: // memory: limits
      return limits(at);
    case 3: // global: value type, mutability
      return at + 2;
    case 4: // tag: attribute, type index
      return readLeb(bytes, at + 1)[1];
    default:
      throw new Error(`short-imports: unknown import kind ${kind}`);
  }
}

function shortName(i) {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let s = '';
  do {
    s = letters[i % 26] + s;
    i = Math.floor(i / 26);
  } while (i > 0);
  return s;
}

export function shortenImports(wasm, glue) {
  if (wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new Error('short-imports: not a wasm module');
  const out = [...wasm.subarray(0, 8)];
  const renames = new Map();
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = readLeb(wasm, at + 1);
    const end = start + size;
    if (id !== 2) {
      for (let i = at; i < end; i++) out.push(wasm[i]);
      at = end;
      continue;
    }
    const [count, first] = readLeb(wasm, start);
    const body = leb(count);
    let p = first;
    for (let n = 0; n < count; n++) {
      const [module, afterModule] = readName(wasm, p);
      const [field, afterField] = readName(wasm, afterModule);
      const descEnd = skipDesc(wasm, afterField);
      let name = field;
      if (/^__wbg_\w+_[0-9a-f]{16}$/.test(field)) {
        if (!renames.has(field)) renames.set(field, shortName(renames.size));
        name = renames.get(field);
      }
      const mod = encode(module);
      const nm = encode(name);
      body.push(...leb(mod.length), ...mod, ...leb(nm.length), ...nm);
      for (let i = afterField; i < descEnd; i++) body.push(wasm[i]);
      p = descEnd;
    }
    if (p !== end) throw new Error('short-imports: the import section did not parse to its end');
    out.push(2, ...leb(body.length), ...body);
    at = end;
  }
  let text = glue;
  for (const [long, short] of renames) {
    const uses = text.split(long).length - 1;
    if (uses !== 1) throw new Error(`short-imports: the glue names ${long} ${uses} times, expected once`);
    text = text.replace(long, short);
  }
  return { wasm: Uint8Array.from(out), glue: text, renamed: renames.size };
}
