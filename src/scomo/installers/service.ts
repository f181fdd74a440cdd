// Activate/Deactivate of a deployed component (docs/protocol.md §6.1 Deployed/<x>/Operations) as service start/stop:
// systemd (`systemctl enable` + `start`, `stop` + `disable`) or an init script (`/etc/init.d/<name> start|stop`, plus
// `enable|disable` on OpenWrt procd scripts). A component's service is `services[component.id]`, else the manifest's
// `service`; a component with neither has nothing to activate: 1411 Not Implemented, rather than a pretend success.

import type { Component } from '../../inventory/component.js';
import { ScomoResult } from '../codes.js';
import { ScomoError } from '../errors.js';
import type { Activator } from '../../ports/scomo.js';
import type { CommandRunner } from '../../ports/commands.js';
import { runOrFail, tail } from './command.js';

export interface ServiceOptions {
  kind: 'systemd' | 'initd';
  /** systemctl binary (default `systemctl`, found on PATH). */
  systemctl?: string;
  /** init script folder (default `/etc/init.d`). */
  initDir?: string;
  /** Also enable/disable at boot (default true; set false for BusyBox init scripts that have no `enable`). */
  enable?: boolean;
  /** Component ID → service name. */
  services?: Record<string, string>;
  /** Extra environment (e.g. PATH) for the commands. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export class ServiceActivator implements Activator {
  constructor(
    private readonly runner: CommandRunner,
    private readonly o: ServiceOptions,
  ) {}

  serviceFor(c: Component): string | null {
    const s = this.o.services && Object.prototype.hasOwnProperty.call(this.o.services, c.id) ? this.o.services[c.id] : c.service;
    return s ? s : null;
  }

  private async call(c: Component, steps: string[], failure: number): Promise<void> {
    const service = this.serviceFor(c);
    if (!service) throw new ScomoError(ScomoResult.NotImplemented, `component ${c.id} has no service to start or stop`);
    if (!/^[A-Za-z0-9@._:-]+$/.test(service)) throw new ScomoError(failure, `invalid service name ${JSON.stringify(service)}`);
    for (const step of steps) {
      const [cmd, args] =
        this.o.kind === 'systemd'
          ? [this.o.systemctl || 'systemctl', [step, service]]
          : [`${this.o.initDir || '/etc/init.d'}/${service}`, [step]];
      const r = await runOrFail(this.runner, failure, cmd, args, { env: this.o.env, timeoutMs: this.o.timeoutMs || 120000 });
      if (r.code !== 0) throw new ScomoError(failure, `${cmd} ${args.join(' ')} failed (exit ${r.code}): ${tail(r.stderr || r.stdout)}`);
    }
  }

  activate(c: Component): Promise<void> {
    const steps = this.o.enable === false ? ['start'] : ['enable', 'start'];
    return this.call(c, steps, ScomoResult.ActivateFailed);
  }

  deactivate(c: Component): Promise<void> {
    const steps = this.o.enable === false ? ['stop'] : ['stop', 'disable'];
    return this.call(c, steps, ScomoResult.DeactivateFailed);
  }
}
