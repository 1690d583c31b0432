// The command lines of the test runners: node:util's parseArgs in strict mode, so that a mistyped
// flag, a flag without its value or a stray argument stops the run with a message and the usage
// (exit code 2) instead of being ignored, which would run something else than what was asked.

import { parseArgs } from 'node:util';

/**
 * Parses `args` (the process's arguments by default) by `options` (parseArgs' format; `help`/`-h`
 * is added). `check(values)` may throw an Error for a bad value. On `--help`, prints the usage and
 * exits 0; on an error, prints `name: message` and the usage on stderr and exits 2.
 * Returns parseArgs' `values`.
 */
export function commandLine({ name, usage, options, check, args = process.argv.slice(2) }) {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
    if (!values.help && check) check(values);
  } catch (e) {
    process.stderr.write(`${name}: ${e.message}\nusage: ${usage}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`usage: ${usage}\n`);
    process.exit(0);
  }
  return values;
}

/** `value` as an integer ≥ `min`, or an Error naming `flag`. */
export function integer(flag, value, min = 1) {
  const n = Number(value);
  if (!/^\d+$/.test(String(value)) || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}, not '${value}'`);
  return n;
}

/** `value` split on commas, each one of `allowed`, or an Error naming `flag`. */
export function oneOf(flag, value, allowed, { list = false } = {}) {
  const items = list ? String(value).split(',') : [String(value)];
  for (const v of items) if (!allowed.includes(v)) throw new Error(`${flag}: '${v}' is not one of ${allowed.join(', ')}`);
  return list ? items : items[0];
}
