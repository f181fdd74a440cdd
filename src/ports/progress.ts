// Progress of the long parts of an update, as the core reports it to whoever shows it (src/cli/progress.ts: a bar
// on a terminal, a line every 10% in a log, JSON lines with --json). The phases are those of an OMA FUMO update
// (OMA-TS-DM_FUMO-V1_0 "Download" and "Update"): the package's bytes arriving, the image written into the update
// target, and the target read back from the medium before it is activated (docs/update-practice.md §10 step 4).

export type ProgressPhase = 'download' | 'flash' | 'read-back';

export interface ProgressEvent {
  phase: ProgressPhase;
  /** Bytes of this phase done so far (never decreasing within one phase). */
  done: number;
  /** Bytes the phase will take, when known (a download without Content-Length has none). */
  total?: number;
}

export type ProgressSink = (event: ProgressEvent) => void;

/** The terminal stderr is, when it is one: progress is then redrawn in place on one line of this width. */
export interface ProgressTerminal {
  columns: number;
}
