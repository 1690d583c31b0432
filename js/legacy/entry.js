// Entry of dist/eventsource-wasm.legacy.js: the classic script for browsers without
// WebAssembly. Defines `EventSourceWasm`, and `EventSource` only where it is missing.
import './polyfills.js';
import './engine.js';
import { EventSource } from '../event-source.js';

globalThis.EventSourceWasm = EventSource;
if (typeof globalThis.EventSource !== 'function') globalThis.EventSource = EventSource;
