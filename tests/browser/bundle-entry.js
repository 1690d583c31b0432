// Entry for the esbuild check (tests/browser/run.mjs bundles it into one file, as ESM and as an
// IIFE): the package is imported by its name and resolved through package.json "exports", exactly
// as an application would, then the browser cases run on the bundled class.
import { EventSource } from 'eventsource-wasm';
import { installCases } from './cases.js';

window.__bundledEventSource = EventSource;
installCases(EventSource, { names: ['basic', 'event-types', 'close-in-onmessage'] });
