// The engine's wasm bytes as printable ASCII, so that the bundles can carry it inline: written by
// the build (scripts/wasm-steps.mjs, `encode`), read by js/core.js (`decode`, which runs
// js/engine-text.wat). The build decodes what it wrote and fails unless it gets the engine back.
//
// Why this and not hex or base64: gzip then sees almost the binary itself. Each byte below 91 is
// one character of a 91-character alphabet; the others are `~` or `|` followed by one, so
// repeated byte sequences stay repeated character sequences, aligned as in the binary (base64
// spreads each byte over two characters and breaks that; hex doubles every byte). Measured on
// this engine, gzip -9: 19.5 KB this way, 21.0 KB as hex, 24.2 KB as base64, 19.3 KB for the
// binary alone. ASCII only, so a page's or a bundler's character encoding cannot change a byte
// (a Latin-1 string would be 0.4 KB smaller but breaks on a page that is not UTF-8), and with no
// `"` or `\`, so that it stays one string literal with nothing escaped.

const ESCAPES = '~|'; // as js/engine-text.wat reads them

/** The alphabet: printable ASCII without the quote, the backslash and the two escapes. */
function alphabet() {
  let chars = '';
  for (let c = 32; c < 127; c++) {
    const ch = String.fromCharCode(c);
    if (ch !== '"' && ch !== '\\' && !ESCAPES.includes(ch)) chars += ch;
  }
  return chars;
}

/** Bytes → text (for the build). */
export function encode(bytes) {
  const chars = alphabet();
  const n = chars.length;
  let text = '';
  for (const b of bytes) text += b < n ? chars[b] : b < 2 * n ? ESCAPES[0] + chars[b - n] : ESCAPES[1] + chars[b - 2 * n];
  return text;
}

/**
 * Text → bytes, by js/engine-text.wat (`decoder`: its assembled bytes, which the build inlines
 * beside the text). Returns a view into the decoder's memory.
 */
export function decode(text, decoder) {
  const { memory, decode: run } = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(decoder))).exports;
  // ASCII: a byte per character.
  const missing = Math.ceil(text.length / 65536) - memory.buffer.byteLength / 65536;
  if (missing > 0) memory.grow(missing);
  // encode, not encodeInto: browsers with WebAssembly but from before encodeInto exist.
  const ascii = new TextEncoder().encode(text);
  new Uint8Array(memory.buffer).set(ascii);
  return new Uint8Array(memory.buffer, 0, run(ascii.length));
}
