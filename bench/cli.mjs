// The command lines of the bench scripts: node:util's parseArgs in strict mode, so that a
// mistyped flag stops the script with a message and its usage (exit code 2) instead of a run
// with the defaults in its place.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Parses the process's arguments by `options` (parseArgs' format; `--help`/`-h` is added, and
 * prints `usage`). `check(values)` may throw an Error for a bad value. Returns the values.
 */
export function commandLine(options, usage, check) {
  let values;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
    if (!values.help && check) check(values);
  } catch (e) {
    const synopsis = usage.split('\n').filter((l) => /^\s*node |^\s+\[/.test(l)).join('\n');
    process.stderr.write(`bench/${path.basename(process.argv[1])}: ${e.message}\nusage (--help for more):\n${synopsis}\n`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}

/** The usage text of a script: its header comment (after the shebang), without the `//`. */
export function usageOf(url) {
  const lines = readFileSync(new URL(url), 'utf8').split('\n').slice(1);
  const end = lines.findIndex((l) => !l.startsWith('//'));
  return lines.slice(0, end < 0 ? lines.length : end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
}

/** `values[name]` as a number > 0 (`def` when it is not given), or an Error naming the flag. */
export function number(values, name, def) {
  if (values[name] === undefined) return def;
  const n = Number(values[name]);
  if (values[name].trim() === '' || !Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a number > 0, not '${values[name]}'`);
  return n;
}

/** `values[name]` as a whole number ≥ 1 (`def` when it is not given), or an Error naming the flag. */
export function count(values, name, def) {
  if (values[name] === undefined) return def;
  if (!/^[1-9]\d*$/.test(values[name])) throw new Error(`--${name} needs a whole number ≥ 1, not '${values[name]}'`);
  return Number(values[name]);
}
