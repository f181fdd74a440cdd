// QuickJS flash writers behind one factory: the agent's config picks uboot-ab, file or command
// (platform/common/flash-config.ts; same shape as on Node).

import type { FlashWriter } from '../../src/update/ports.js';
import type { FlashConfig } from '../common/flash-config.js';
import type { Sha256Provider } from './hash.js';
import type { Durability } from './storage.js';
import { QjsFwEnv, createQjsUbootAbWriter } from './flash-uboot-ab.js';
import { QjsFileWriter } from './flash-file.js';
import { QjsCommandWriter } from './flash-command.js';

export function createQjsFlashWriter(c: FlashConfig, hash: Sha256Provider, durability: Durability): FlashWriter {
  switch (c.kind) {
    case 'uboot-ab':
      return createQjsUbootAbWriter({
        slots: c.slots,
        env: new QjsFwEnv({ config: c.fwEnvConfig, defaultEnv: c.defaultEnv }),
        hash,
        durability,
        cmdlineFile: c.cmdlineFile,
        bootlimit: c.bootlimit,
      });
    case 'file':
      return new QjsFileWriter(c.target, hash, durability);
    case 'command':
      return new QjsCommandWriter(c.command);
  }
}
