// The command-line options of the bench scripts: `--name value` and bare `--flag`.
export const argv = process.argv.slice(2);
export const flag = (name) => argv.includes(name);
/** The value after `name`, or `def` when it is not given. */
export const option = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
};
