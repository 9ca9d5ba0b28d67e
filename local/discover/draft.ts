// A plan as discovery drafts it: the values it read from the clusters, placeholders where it
// could not, and a note on each — rendered as YAML with the notes as comments, so a person sees
// at once which lines came from the clusters and which they must fill in.
import { Document, isMap, isScalar, type Node } from 'yaml';

export type Path = readonly (string | number)[];

export interface Note {
  path: Path;
  /** `found`: read from the clusters (where); `fill-in`: a placeholder (what to put there). */
  kind: 'found' | 'fill-in';
  text: string;
}

export interface Draft {
  plan: Record<string, unknown>;
  notes: Note[];
}

export const found = (path: Path, text: string): Note => ({ path, kind: 'found', text });
export const fillIn = (path: Path, text: string): Note => ({ path, kind: 'fill-in', text });

/** Prefixes every note's path, for a part drafted on its own (an engine block). */
export const under = (prefix: Path, notes: readonly Note[]): Note[] =>
  notes.map((n) => ({ ...n, path: [...prefix, ...n.path] }));

const noteText = (note: Note) => (note.kind === 'fill-in' ? ` fill in: ${note.text}` : ` ${note.text}`);

/**
 * YAML with each note beside its value: a scalar's on its line, a block's above its key. A note
 * whose path names nothing in the plan (a field left to its default) goes above its parent.
 */
export const renderDraft = (draft: Draft, header: readonly string[]): string => {
  const doc = new Document(draft.plan);
  for (const note of draft.notes) {
    const value = doc.getIn(note.path, true) as Node | undefined;
    if (value !== undefined && isScalar(value)) {
      value.comment = [value.comment, noteText(note)].filter(Boolean).join(';');
      continue;
    }
    // Above the key of a block, or of the nearest parent that exists.
    let path = note.path;
    while (path.length > 0 && doc.getIn(path, true) === undefined) path = path.slice(0, -1);
    const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
    const key = path[path.length - 1];
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
    const text =
      path.length === note.path.length
        ? noteText(note)
        : ` ${note.path.slice(path.length).join('.')}:${noteText(note)}`;
    if (pair && isScalar(pair.key))
      pair.key.commentBefore = [pair.key.commentBefore, text].filter(Boolean).join('\n');
    else doc.commentBefore = [doc.commentBefore, text].filter(Boolean).join('\n');
  }
  doc.commentBefore = [...header.map((line) => ` ${line}`), doc.commentBefore].filter(Boolean).join('\n');
  return doc.toString({ lineWidth: 0 });
};
