// Node flash writers behind one factory: the agent's config picks uboot-ab, file or command (platform/common/flash-config).

import type { FlashWriter } from '../../../src/update/ports';
import { FlashConfig } from '../../common/flash-config';
import { CommandWriter } from './command';
import { FileWriter } from './file';
import { FwEnv } from './fw-env';
import { UbootAbWriter, bootedSlotFromCmdline } from './uboot-ab';

export { parseFlashConfig, FlashConfigError } from '../../common/flash-config';
export type { FlashConfig } from '../../common/flash-config';

export function createFlashWriter(c: FlashConfig): FlashWriter {
  switch (c.kind) {
    case 'uboot-ab': {
      const cmdline = c.cmdlineFile;
      return new UbootAbWriter({
        slots: c.slots,
        env: new FwEnv({ config: c.fwEnvConfig, defaultEnv: c.defaultEnv }),
        bootedSlot: () => bootedSlotFromCmdline(cmdline),
        bootlimit: c.bootlimit,
      });
    }
    case 'file':
      return new FileWriter(c.target);
    case 'command':
      return new CommandWriter(c.command);
  }
}
