// Node binding of the SCOMO service activator (systemd / init.d; logic in src/scomo/installers/service.ts).

import * as core from '../../src/scomo/installers/service.js';
import { nodeRunCommand } from './run-command.js';

export type { ServiceOptions } from '../../src/scomo/installers/service.js';

export class ServiceActivator extends core.ServiceActivator {
  constructor(options: core.ServiceOptions) {
    super(nodeRunCommand, options);
  }
}
