// Result reports, delivered at least once (OMA-TS-FUMO-V1_0 results and OMA-TS-DM-SCOMO-V1_0 OperationComplete, both
// in an OMA-TS-DM_Protocol-V1_2 Generic Alert 1226): kept durably until the server acknowledges the Generic Alert that carries them, re-sent after a crash,
// a reboot or a lost acknowledgement, never after the ack. A re-sent report carries the same Correlator and result,
// so the server counts it once (docs/robustness.md "Delivery: at least once").
import type { GenericAlert } from './generic-alert.js';

/** A source of pending reports and of asynchronous work started by the server's Exec commands. */
export interface ReportSource {
  readonly name: string;
  /** Reports not yet acknowledged, each as the Generic Alert that carries it (with `ref` set). */
  pendingReports(): Promise<GenericAlert[]>;
  /** The server answered the alert with 200/202: never send it again. */
  acknowledge(ref: string): Promise<void>;
  /** Runs work accepted during a session (downloads, installs); returns one line per job for the log/CLI. */
  runPendingJobs(): Promise<string[]>;
}

/** Whether a status for a result alert counts as the server's acknowledgement. */
export function isAcknowledgement(status: number | undefined): boolean {
  return status === 200 || status === 202;
}
