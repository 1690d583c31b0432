// The same on dist/whole.js (`eventsource-wasm/whole`), the package in one file: what a service
// worker bundled into chunks, which it may not import(), uses.
import { had, strip } from '/tests/envs/sw-strip.js';
import { EventSource } from '/dist/whole.js';
import { serveServiceWorker } from '/tests/envs/sw-suite.js';

serveServiceWorker(EventSource, had, strip, true);
