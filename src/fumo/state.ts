// FUMO 1.0 `<x>/State` values (docs/protocol.md §5.2), the three Exec operations (§5.1) and their Generic Alert types (§5.3).

export const FumoState = {
  Idle: 10,
  DownloadFailed: 20,
  DownloadProgressing: 30,
  DownloadComplete: 40,
  ReadyToUpdate: 50,
  UpdateProgressing: 60,
  UpdateFailedHaveData: 70,
  UpdateFailedNoData: 80,
  UpdateSuccessfulHaveData: 90,
  UpdateSuccessfulNoData: 100,
} as const;

export type FumoStateValue = (typeof FumoState)[keyof typeof FumoState];

/** Terminal states (docs/protocol.md §5.2): the job is over and a report is (or was) pending. */
export function isTerminalState(s: number): boolean {
  return s === 20 || s === 70 || s === 80 || s === 90 || s === 100;
}

export type FumoOperation = 'Download' | 'Update' | 'DownloadAndUpdate';

/** Generic Alert `Meta/Type` per operation (docs/protocol.md §5.3 table). */
export const FUMO_ALERT_TYPE: Record<FumoOperation, string> = {
  Download: 'org.openmobilealliance.dm.firmwareupdate.download',
  Update: 'org.openmobilealliance.dm.firmwareupdate.update',
  DownloadAndUpdate: 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate',
};

export function isFumoOperation(v: unknown): v is FumoOperation {
  return v === 'Download' || v === 'Update' || v === 'DownloadAndUpdate';
}
