// Entry of dist/eventsource-wasm.legacy.js: the classic script for browsers without
// WebAssembly. Defines `EventSourceWasm`, and `EventSource` only where it is missing, and no
// other global: what older browsers lack is supplied privately (private.js, bound in by
// scripts/build.mjs), never installed on the page.
import './front.js';
import { EventSource } from '../event-source.js';

globalThis.EventSourceWasm = EventSource;
if (typeof globalThis.EventSource !== 'function') globalThis.EventSource = EventSource;
