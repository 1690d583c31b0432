// A module service worker running the cases (sw-suite.js) on dist/index.js, the package's entry.
// sw-strip.js goes first: with ?strip=1 it removes the worker's EventSource before the package
// loads.
import { had, strip } from '/tests/envs/sw-strip.js';
import { EventSource } from '/dist/index.js';
import { serveServiceWorker } from '/tests/envs/sw-suite.js';

serveServiceWorker(EventSource, had, strip);
