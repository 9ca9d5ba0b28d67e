// Command lines shown to a person (how to lift a fence, what a step ran, what an approver is
// about to allow) are copied into a shell. Names in them come from plans and clusters — a vhost
// may be called `a; rm -rf /` — so every argument is quoted for a POSIX shell: pasted, the line
// runs exactly the argv it shows, and nothing else.

/** Arguments made only of these mean the same to every POSIX shell unquoted. */
const PLAIN = /^[A-Za-z0-9_./:=@%+,-]+$/;

/**
 * The argv as one POSIX shell command line. An argument with anything but plain characters is
 * single-quoted (inside single quotes only `'` itself is special: it becomes `'\''`).
 */
export const shellCommand = (argv: readonly string[]): string =>
  argv.map((arg) => (PLAIN.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
