// DevInfo and DevDetail leaves come from one DeviceFacts read. Reading the files again for every leaf would be slow
// (a configured firmware-version command spawns a process); reading them once at start-up would miss a firmware change
// after an update.
// So facts are read on first use and kept until invalidate() (the agent calls it at the start of each session).

import type { DeviceFacts, DeviceInfoReader } from '../ports/runtime.js';

export interface FactsCache {
  get(): Promise<DeviceFacts>;
  invalidate(): void;
}

export function cachedFacts(reader: DeviceInfoReader): FactsCache {
  let pending: Promise<DeviceFacts> | null = null;
  return {
    get() {
      if (!pending) {
        pending = reader.read();
        // A failed read is not cached: the next Get tries again.
        pending.catch(() => {
          pending = null;
        });
      }
      return pending;
    },
    invalidate() {
      pending = null;
    },
  };
}
