// rabbitmqctl and rabbitmq-diagnostics print an optional banner line, then a header row and
// tab-separated rows. Parsing starts at the header, so banners (and `-q`) do not matter.

export type Row = Record<string, string>;

/**
 * Rows of the table whose header is exactly `columns`. Returns undefined when the header is
 * missing: the output is not the table we expected (a different tool version, an error).
 */
export const parseTable = (output: string, columns: readonly string[]): Row[] | undefined => {
  const lines = output.split(/\r?\n/);
  const headerAt = lines.findIndex(
    (line) => splitColumns(line, columns.length).join('\u0000') === columns.join('\u0000'),
  );
  if (headerAt < 0) return undefined;
  return lines
    .slice(headerAt + 1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const cells = splitColumns(line, columns.length);
      return Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? '']));
    });
};

// Real tables are tab-separated; copies pasted from a terminal have runs of spaces instead.
const splitColumns = (line: string, expected: number): string[] => {
  const byTab = line
    .split('\t')
    .map((cell) => cell.trim())
    .filter((cell, i, all) => cell !== '' || i < all.length - 1);
  if (byTab.length >= expected || expected === 1) return byTab;
  return line.trim().split(/\s{2,}/);
};

/** `Key: value` lines, e.g. `Operating mode: downstream`. */
export const parseKeyValues = (output: string): Record<string, string> =>
  Object.fromEntries(
    output
      .split(/\r?\n/)
      .map((line) => /^([A-Za-z][A-Za-z ()]*?):\s*(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!.trim(), (m[2] ?? '').trim()]),
  );
