// Where the engine's bytes are: the code of each function of a wasm module with a name section,
// summed by the module of the Rust source it comes from (engine::parser, npm, core::str, …),
// plus its data. For the build's size report and the benchmark's.
import { readFileSync } from 'node:fs';

/** Reads a LEB128 unsigned integer. */
function reader(bytes) {
  let at = 0;
  return {
    get at() { return at; },
    set at(v) { at = v; },
    u() {
      let result = 0;
      let shift = 0;
      let b;
      do {
        b = bytes[at++];
        result += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return result;
    },
    byte() { return bytes[at++]; },
  };
}

/** A Rust symbol (legacy or v0 mangling, or plain) as a path: `eventsource_wasm::engine::parser::…`. */
export function demangle(name) {
  if (name.startsWith('_ZN')) {
    const parts = [];
    let i = 3;
    while (i < name.length && name[i] !== 'E') {
      let n = 0;
      while (name[i] >= '0' && name[i] <= '9') n = n * 10 + Number(name[i++]);
      if (!n) break;
      parts.push(name.slice(i, i + n));
      i += n;
    }
    return parts.filter((p) => !/^h[0-9a-f]{16}$/.test(p)).join('::');
  }
  if (name.startsWith('_R')) {
    // v0 mangling: enough to group by, the library crate and its first module (`4core3str…`).
    const m = /\d(core|alloc)(\d+)/.exec(name);
    if (m) {
      const start = m.index + m[0].length;
      return `${m[1]}::${name.slice(start, start + Number(m[2]))}`;
    }
  }
  return name;
}

/** The group a function belongs to: this crate's module, the allocator, or std's library. */
export function groupOf(name) {
  const path = demangle(name).replace(/\$LT\$|\$GT\$|\$u20\$|\.\./g, ' ');
  if (/^esw_/.test(name)) return 'npm (the boundary)';
  let m = /eventsource_wasm::(engine::\w+|npm)/.exec(path) || /eventsource_wasm\.\.(engine\.\.\w+)/.exec(name);
  if (m) return m[1].replace('..', '::');
  if (/lol_alloc|talc|dlmalloc|__rust_(alloc|dealloc|realloc)|__rdl/.test(path + name)) return 'allocator';
  if (/^(mem(cmp|cpy|set|move)|__multi3|f(max|min))$/.test(name)) return 'compiler builtins';
  if (/memchr/.test(path) && !/core::slice/.test(path)) return 'memchr';
  m = /\b(core|alloc)::(\w+)/.exec(path);
  if (m) return `${m[1]}::${m[2]}`;
  return 'other';
}

/** { code: { group: bytes }, data, total } for the wasm file at `file` (it needs its name section). */
export function breakdown(file) {
  const bytes = readFileSync(file);
  const r = reader(bytes);
  r.at = 8;
  let imports = 0;
  const bodies = [];
  const names = new Map();
  let data = 0;
  while (r.at < bytes.length) {
    const id = r.byte();
    const len = r.u();
    const end = r.at + len;
    if (id === 2) {
      for (let n = r.u(); n > 0; n--) {
        r.at += r.u();
        r.at += r.u();
        const kind = r.byte();
        if (kind === 0) {
          r.u();
          imports++;
        }
        r.at = kind === 0 ? r.at : end; // only function imports matter; stop at the first other kind
      }
    } else if (id === 10) {
      for (let n = r.u(); n > 0; n--) {
        const size = r.u();
        bodies.push(size);
        r.at += size;
      }
    } else if (id === 11) {
      data += len;
    } else if (id === 0) {
      const nameLen = r.u();
      const section = bytes.subarray(r.at, r.at + nameLen).toString();
      r.at += nameLen;
      if (section === 'name') {
        while (r.at < end) {
          const sub = r.byte();
          const subLen = r.u();
          const subEnd = r.at + subLen;
          if (sub === 1) {
            for (let n = r.u(); n > 0; n--) {
              const index = r.u();
              const l = r.u();
              names.set(index, bytes.subarray(r.at, r.at + l).toString());
              r.at += l;
            }
          }
          r.at = subEnd;
        }
      }
    }
    r.at = end;
  }
  const code = {};
  bodies.forEach((size, i) => {
    const group = groupOf(names.get(i + imports) || '');
    code[group] = (code[group] || 0) + size;
  });
  const total = bodies.reduce((a, b) => a + b, 0);
  return { code: Object.fromEntries(Object.entries(code).sort((a, b) => b[1] - a[1])), data, total };
}
