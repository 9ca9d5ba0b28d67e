// A value quoted in an error message: its start only. A bad value may be anything up to the size
// limit of the file it came in, and the message must stay one readable line.

/** How much of a value a message shows. */
export const EXCERPT_CHARS = 40;

export const excerpt = (text: string, max = EXCERPT_CHARS): string =>
  text.length <= max ? text : `${text.slice(0, max)}…`;

/** `"value"` with its start only; JSON quoting makes control characters and spaces visible. */
export const quoted = (text: string, max = EXCERPT_CHARS): string => JSON.stringify(excerpt(text, max));
