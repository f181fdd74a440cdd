// What the agent itself knows for `dm-agent status` (README.md, Command line → `status --json`): firmware version,
// A/B slots, the current job and its step, the last session. Built only from the state directory and the device (no
// server, no lock), the same on every runtime. The next scheduled check comes from src/triggers/next-check.ts and the
// text form from src/cli/status-text.ts.
import type { LastSession } from './last-session.js';

export interface StatusSlots {
  booted: string | null;
  primary: string | null;
  pendingCommit: boolean;
}

export interface StatusJob {
  source: string;
  id: string;
  operation: string;
  step: string;
  result: number | null;
}

export interface StatusSummary {
  firmwareVersion: string;
  slots: StatusSlots | null;
  job: StatusJob | null;
  lastSession: LastSession | null;
}
