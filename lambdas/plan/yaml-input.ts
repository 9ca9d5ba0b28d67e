// Plans and scenarios arrive as YAML files. Both are a few kilobytes, so a file far larger, or one
// whose aliases expand into far more than it says, is refused before it costs memory or time, each
// refusal one line naming the file.
import { open } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { excerpt } from './excerpt.js';

export const yamlBounds = {
  /** A plan is at most 8,000 characters of content (plan-size.ts); the rest is comments. */
  fileBytes: 64 * 1024,
  /** Alias uses, counted as `yaml` counts them (each weighted by what it expands to): a plan needs few, a billion-laughs document needs millions. */
  aliasCount: 100,
} as const;

/** What the file is, for messages: "plan", "scenario". */
export type YamlKind = 'plan' | 'scenario';

export type YamlRead = { ok: true; value: unknown } | { ok: false; problems: string[] };

const refused = (...problems: string[]): YamlRead => ({ ok: false, problems });

/** `bytes` when known: a device or pipe is only known to go on past the limit. */
const tooLarge = (file: string, kind: YamlKind, bytes?: number) =>
  `${file}: ${bytes === undefined ? '' : `${bytes} bytes, `}over the ${yamlBounds.fileBytes}-byte limit for a ${kind} file; a ${kind} is a few kilobytes`;

/** The first YAML error only: after one, a parser's further errors mostly repeat it. */
const syntaxProblem = (file: string, errors: ReturnType<typeof parseDocument>['errors']): string => {
  const [first] = errors;
  const at = `${first!.linePos?.[0]?.line ?? '?'}:${first!.linePos?.[0]?.col ?? '?'}`;
  // `yaml` reports a document nested past the stack as the stack's error.
  const message = /Maximum call stack/.test(first!.message)
    ? 'nested too deeply'
    : excerpt(first!.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), 160);
  return `${file}:${at}: not valid YAML: ${message}${errors.length > 1 ? ` (and ${errors.length - 1} more YAML error(s) after it)` : ''}`;
};

/** Parses one YAML document into plain values, within yamlBounds. */
export const parseYaml = (text: string, file: string, kind: YamlKind): YamlRead => {
  const bytes = Buffer.byteLength(text);
  if (bytes > yamlBounds.fileBytes) return refused(tooLarge(file, kind, bytes));
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) return refused(syntaxProblem(file, doc.errors));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: yamlBounds.aliasCount });
  } catch (err) {
    // `yaml` throws a ReferenceError when aliases expand past maxAliasCount.
    if (!(err instanceof ReferenceError)) throw err;
    return refused(
      `${file}: its aliases expand to more than ${yamlBounds.aliasCount} uses, more than a ${kind} needs; write the values out`,
    );
  }
  if (containsItself(value))
    return refused(`${file}: an alias inside its own anchor makes an endless value; write the value out`);
  return { ok: true, value };
};

/** An alias used inside its own anchor (`a: &x [*x]`) gives a value that contains itself. */
const containsItself = (value: unknown, within: Set<unknown> = new Set()): boolean => {
  if (value === null || typeof value !== 'object') return false;
  if (within.has(value)) return true;
  within.add(value);
  const found = Object.values(value).some((child) => containsItself(child, within));
  within.delete(value);
  return found;
};

/**
 * The text of a file of at most yamlBounds.fileBytes: a larger one is refused having read just past
 * the bound, so that neither a huge file nor an endless device (/dev/zero) is read whole.
 */
const readBounded = async (file: string, kind: YamlKind): Promise<string | YamlRead> => {
  const cannot = (err: unknown) =>
    refused(
      `${file}: cannot read the ${kind} file (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass the path of a ${kind} YAML file`,
    );
  const opened = await open(file, 'r').then(
    (handle) => ({ handle }),
    (err: unknown) => ({ err }),
  );
  if ('err' in opened) return cannot(opened.err);
  const { handle } = opened;
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return refused(`${file}: is a directory; pass the path of a ${kind} YAML file`);
    if (info.isFile() && info.size > yamlBounds.fileBytes) return refused(tooLarge(file, kind, info.size));
    const buffer = Buffer.alloc(yamlBounds.fileBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return buffer.subarray(0, length).toString('utf8');
      length += bytesRead;
      if (length > yamlBounds.fileBytes) return refused(tooLarge(file, kind));
    }
  } catch (err) {
    return cannot(err);
  } finally {
    await handle.close();
  }
};

export const readYamlFile = async (file: string, kind: YamlKind): Promise<YamlRead> => {
  const text = await readBounded(file, kind);
  return typeof text === 'string' ? parseYaml(text, file, kind) : text;
};
