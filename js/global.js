// Classic-script entry (`dist/eventsource-wasm.global.js`): defines `EventSourceWasm`, and
// `EventSource` only where the environment has none, as polyfills do.
import { EventSource } from './event-source.js';

globalThis.EventSourceWasm = EventSource;
if (typeof globalThis.EventSource !== 'function') globalThis.EventSource = EventSource;
