// A line terminal for the text user interface of OMA DM UI alerts 1100-1104 (docs/protocol.md §4.5): the dialog
// logic is the core's (src/ui/dialog.ts); a porter supplies writing and reading one line with a timeout.

/** One line typed, or the end of input (timeout, Ctrl-C/EOF). */
export type LineResult = { line: string } | { end: 'timeout' | 'cancel' };

/** A text terminal the dialog logic writes to and reads lines from (never cancelled; readLine times out itself). */
export interface LineTerminal {
  write(text: string): void;
  /** Shows `prompt` and reads one line; `masked` hides what is typed (ET=P). */
  readLine(prompt: string, masked: boolean): Promise<LineResult>;
}
