#!/usr/bin/env node
// What delivering one event costs in this Chromium, per event, for the ways a client can do it:
// the per-event floor under every throughput figure of small events.
//
//   node bench/dispatch-cost.mjs
//
// Best of 5 loops of 100k events, one listener that reads `data`.
import { chromium } from 'playwright-core';
import { commandLine, usageOf } from './cli.mjs';

commandLine({}, usageOf(import.meta.url)); // no options: anything else given is a mistake

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
await page.goto('about:blank');
const out = await page.evaluate(() => {
  const N = 100_000;
  const data = 'x'.repeat(32);
  const origin = 'http://127.0.0.1:1234';
  const rows = [];
  let sink = 0;
  const time = (name, f) => {
    f(1000);
    const runs = [];
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      f(N);
      runs.push(performance.now() - t);
    }
    rows.push([name, (Math.min(...runs) * 1000) / N]);
  };
  const target = new EventTarget();
  target.addEventListener('message', (e) => { sink += e.data.length; });
  time('new MessageEvent(type, { data, origin, lastEventId }) + dispatchEvent', (n) => {
    for (let i = 0; i < n; i++) target.dispatchEvent(new MessageEvent('message', { data, origin, lastEventId: '' }));
  });
  time('new MessageEvent(type, { data }) + dispatchEvent', (n) => {
    for (let i = 0; i < n; i++) target.dispatchEvent(new MessageEvent('message', { data }));
  });
  time('new MessageEvent(type, { data, origin, lastEventId }), no dispatch', (n) => {
    for (let i = 0; i < n; i++) sink += new MessageEvent('message', { data, origin, lastEventId: '' }).data.length;
  });
  class Message extends Event {
    constructor(type, d, id, o) { super(type); this.data = d; this.lastEventId = id; this.origin = o; }
  }
  time('class extends Event (fields data, lastEventId, origin) + dispatchEvent', (n) => {
    for (let i = 0; i < n; i++) target.dispatchEvent(new Message('message', data, '', origin));
  });
  class Plain { constructor(type, d, id, o) { this.type = type; this.data = d; this.lastEventId = id; this.origin = o; } }
  const listeners = [(e) => { sink += e.data.length; }];
  time('plain object + own listener list', (n) => {
    for (let i = 0; i < n; i++) {
      const e = new Plain('message', data, '', origin);
      for (let j = 0; j < listeners.length; j++) listeners[j].call(target, e);
    }
  });
  const packed = `${Array.from({ length: 2000 }, () => `\r\r${data}`).join('\r')}\r`;
  time('String.split of a packed 2000-event chunk, per event', (n) => {
    for (let i = 0; i < n / 2000; i++) sink += packed.split('\r').length;
  });
  const bytes = new TextEncoder().encode(data);
  const decoder = new TextDecoder();
  time('TextDecoder.decode of 32 bytes, per call', (n) => {
    for (let i = 0; i < n; i++) sink += decoder.decode(bytes).length;
  });
  return { rows, sink };
});
await browser.close();
console.log(`| ${browser.version()} | µs per event |\n|---|--:|`);
for (const [name, us] of out.rows) console.log(`| ${name} | ${us.toFixed(3)} |`);
