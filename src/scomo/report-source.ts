// SCOMO as one of the agent's report sources (src/dm/report-source.ts): pending OperationComplete reports become
// Generic Alerts (docs/protocol.md §6.4) carrying the report id as `ref`; the agent acknowledges them after the server's 200/202.

import type { GenericAlert } from '../dm/generic-alert.js';
import type { ReportSource } from '../dm/report-source.js';
import { OPERATION_COMPLETE_ALERT, isSuccessResult } from './codes.js';
import type { ScomoMo } from './mo.js';
import { ScomoReport, operationCompleteData } from './report.js';
import type { TreePlugin } from '../tree/plugin.js';
import { ScomoPluginOptions, scomoTreePlugin } from './tree-plugin.js';

export function reportAsGenericAlert(r: ScomoReport): GenericAlert {
  const a: GenericAlert = {
    type: OPERATION_COMPLETE_ALERT,
    format: r.format,
    mark: r.mark,
    sourceUri: r.sourceUri,
    data: operationCompleteData(r.resultCode, r.identifier),
    ref: r.id,
  };
  if (r.targetUri !== undefined) a.targetUri = r.targetUri;
  if (r.correlator !== undefined) a.correlator = r.correlator;
  return a;
}

export class UnknownComponentError extends Error {
  constructor(readonly query: string) {
    super(`no deployed component has the ID or name ${JSON.stringify(query)}`);
    this.name = 'UnknownComponentError';
  }
}

/** What src/agent/compose.ts takes from a platform source: reports, jobs, the tree mount and the component lookup. */
export interface ScomoReportSource extends ReportSource {
  mountAt: string;
  plugin: TreePlugin;
  status(): Promise<string[]>;
  deployedComponentUri(idOrName: string): Promise<string>;
}

export function scomoReportSource(mo: ScomoMo, options: ScomoPluginOptions & { name?: string } = {}): ScomoReportSource {
  const describe = (r: ScomoReport) =>
    `SCOMO ${r.sourceUri}: ${r.resultCode} ${isSuccessResult(r.resultCode) ? 'successful' : 'failed'} (${r.identifier})${r.detail ? ': ' + r.detail : ''}`;
  const described: Record<string, true> = {};
  return {
    name: options.name || 'scomo',
    mountAt: mo.rootUri,
    plugin: scomoTreePlugin(mo, options),
    async pendingReports() {
      return (await mo.pendingReports()).map(reportAsGenericAlert);
    },
    async acknowledge(ref: string) {
      await mo.acknowledge(ref);
    },
    /**
     * Jobs start at their Exec (answered 202) and may finish during the session; this waits for the rest and returns
     * one line per report not described before (by this process), so the agent knows there is something to send.
     */
    async runPendingJobs() {
      mo.resume();
      await mo.idle();
      const lines: string[] = [];
      for (const r of await mo.pendingReports()) {
        if (described[r.id]) continue;
        described[r.id] = true;
        lines.push(describe(r));
      }
      return lines;
    },
    async status() {
      const jobs = await mo.pendingJobs();
      const notes = (await mo.deliveryNotes()).map((l) => `  ${l}`);
      return [`SCOMO jobs pending: ${jobs.length}`].concat(jobs.map((j) => `  ${j.area}/${j.node}/Operations/${j.operation}`), notes);
    },
    async deployedComponentUri(idOrName: string) {
      const found = await mo.findDeployed(idOrName);
      if (!found) throw new UnknownComponentError(idOrName);
      return found.uri;
    },
  };
}
