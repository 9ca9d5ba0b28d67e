// What the CLI tools print, when it is not what a parser expects: another tool version, an error
// printed with exit status 0, output cut short. It is never read as "nothing there" (a
// verification that cannot read its answer has verified nothing): the parsers throw
// UnexpectedOutputError, which no retry masks, so the step halts and says what was printed.
import { shellCommand } from '../text/shell-quote.js';

/** How much of the output a message quotes: enough to recognise it, short enough for a report line. */
const QUOTED_CHARS = 300;

export class UnexpectedOutputError extends Error {
  override readonly name = 'UnexpectedOutput';
  constructor(command: readonly string[], output: string) {
    const quoted = JSON.stringify(output.slice(0, QUOTED_CHARS));
    super(
      `\`${shellCommand(command)}\` printed something this orchestrator does not recognise: ${output.length > QUOTED_CHARS ? `${quoted} (the first ${QUOTED_CHARS} of ${output.length} characters)` : quoted}`,
    );
  }
}

/**
 * Rows of a `--formatter json` listing: `[`, one object per line, `]` (an empty list is `[` and
 * `]`), after an optional banner line. Anything else throws UnexpectedOutputError.
 */
export const jsonArray = (command: readonly string[], output: string): Array<Record<string, unknown>> => {
  const start = output.indexOf('[');
  let parsed: unknown;
  try {
    parsed = start < 0 ? undefined : JSON.parse(output.slice(start));
  } catch {
    throw new UnexpectedOutputError(command, output);
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))
  )
    throw new UnexpectedOutputError(command, output);
  return parsed as Array<Record<string, unknown>>;
};
