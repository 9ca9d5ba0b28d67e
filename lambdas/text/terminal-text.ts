// Text from the systems (queue and vhost names, command output, evidence values, summaries) is
// printed to an operator's terminal. A control character in it is an instruction to the terminal,
// not text: an ESC sequence can recolour, move the cursor, rewrite the line above (a FAIL shown as
// pass) or set the window title, and a newline can forge a line of its own. So each is shown as a
// visible escape instead; every field printed this way is one line, so newlines are escaped too.

/** C0 controls (newline and tab included), DEL, and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with every control character shown as `\xHH`: what was sent, and harmless. */
export const terminalText = (text: string): string =>
  text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
