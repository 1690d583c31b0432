// The legacy builds have their core as plain JavaScript: nothing to instantiate.
export function ensureWasm() {
  return true;
}
