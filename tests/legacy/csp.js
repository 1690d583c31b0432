import '/tests/legacy/esm.js';

// Prove the policy is in force: compiling even an empty module must be refused.
try {
  new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  window.wasmAllowed = true;
} catch (e) {
  window.wasmAllowed = false;
}
window.ready = true;
