#!/usr/bin/env node
// Runs a command with DISPLAY set to an X server (Xvfb) of its own, on a display number nobody
// else uses, and stops the server afterwards; exits with the command's status.
//
//   node tests/lib/with-xvfb.mjs -- COMMAND [ARG…]
//
// For WebKitWebDriver's MiniBrowser, which has no headless mode, when something else starts the
// driver (wasm-bindgen-test-runner under `wasm-pack test --safari`).
import { spawn } from 'node:child_process';
import os from 'node:os';
import { startXvfb } from './browsers.mjs';

const argv = process.argv.slice(2);
const command = argv[0] === '--' ? argv.slice(1) : argv;
if (!command.length) {
  console.error('usage: node tests/lib/with-xvfb.mjs -- COMMAND [ARG…]');
  process.exit(2);
}
const xvfb = await startXvfb();
const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, DISPLAY: xvfb.display } });
// Ctrl-C reaches the child through the terminal's process group; TERM from a parent is passed on.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => {});
const [code, signal] = await new Promise((resolve) => {
  child.once('error', (e) => {
    console.error(`cannot run ${command[0]}: ${e.message}`);
    resolve([127, null]);
  });
  child.once('exit', (c, s) => resolve([c, s]));
});
await xvfb.stop();
process.exit(code ?? 128 + (os.constants.signals[signal] || 0));
