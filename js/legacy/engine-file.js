// Entry of dist/eventsource-wasm.legacy-engine.js: the whole engine as JavaScript (wasm2js) and
// connection sharing, which the legacy script loads beside itself (js/legacy/load-whole.js,
// js/legacy/load-share.js). It hands them over on the <script> element the legacy script made
// for it, so that the page gets no global. Run before the legacy script (by the page's own
// <script> element, or by importScripts() in a worker), it leaves them on the global object,
// where the legacy script takes them from and deletes them when it runs.
import engine from '../../pkg-legacy/engine.js';
import { sharedSource } from '../share.js';
import { ATTRIBUTE, KEY } from './handover.js';

const element = typeof document !== 'undefined' && document.querySelector ? document.querySelector(`script[${ATTRIBUTE}]`) : null;
(element || globalThis)[KEY] = { engine, sharedSource };
