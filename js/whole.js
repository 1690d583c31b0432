// Whether this bundle's own engine is the whole engine: 0 in dist/index.js and the classic
// scripts, which carry the engine's front and load the whole engine on use (js/load-whole.js,
// js/legacy/load-whole.js); 1 in the bundles that carry the whole engine (dist/whole.js), whose
// build puts a module of its own in this one's place (scripts/wasm-steps.mjs `wholeEngine`). A
// number alone in its module: esbuild inlines it, and leaves out the code that waits for the
// whole engine.
export const WHOLE = 0;
