// The OperationComplete result alert (docs/protocol.md §6.4) and the pending-report record behind it. A report is created in
// the same durable write that ends its job, stays until the session layer says the server answered 200/202 for the
// alert (acknowledge), is re-sent after any restart before that, and never after. Delivery is at least once: if the
// server's answer is lost the same report (same Correlator and result) is sent again, and the server counts it once
// (docs/robustness.md "Delivery: at least once").

import type { Alert, Item } from '../syncml/model.js';
import { OPERATION_COMPLETE_ALERT, isSuccessResult } from './codes.js';

export interface ScomoReport {
  /** Stable id of this report, for acknowledge(). */
  id: string;
  /** Exec Correlator to echo (docs/protocol.md §1.11, §6.4); absent when the Exec had none. */
  correlator?: string;
  /** Item/Source/LocURI: the Operations node that was Exec'd. */
  sourceUri: string;
  /** Item/Target/LocURI: the resulting inventory node (Deployed/<x> or Delivered/<x>). */
  targetUri?: string;
  /** docs/protocol.md §6.3. */
  resultCode: number;
  /** Component ID (Deployed) or package ID (Download/Delivered). */
  identifier: string;
  /** Meta/Format, default `xml` (docs/protocol.md §9 #2). */
  format: string;
  /** Meta/Mark. */
  mark: string;
  /** Human-readable reason for logs and the UI; never sent. */
  detail?: string;
}

export interface AlertOptions {
  /** Meta/Format of the result alert; docs/protocol.md §9 #2 leaves it unconfirmed, default `xml`. */
  format?: string;
  /** Mark on success, default `informational`. */
  markSuccess?: string;
  /** Mark on failure, default `warning` (DM2JSON example; MTK uses informational throughout). */
  markFailure?: string;
}

export function markFor(resultCode: number, options: AlertOptions = {}): string {
  return isSuccessResult(resultCode) ? options.markSuccess || 'informational' : options.markFailure || 'warning';
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Item Data of the alert: `<ResultCode>1200</ResultCode><Identifier>…</Identifier>` (docs/protocol.md §6.4). */
export function operationCompleteData(resultCode: number, identifier: string): string {
  return `<ResultCode>${resultCode}</ResultCode><Identifier>${escapeXml(identifier)}</Identifier>`;
}

export class OperationCompleteDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationCompleteDataError';
  }
}

/** Reads the Data back (for the reference server and tests). */
export function parseOperationCompleteData(data: string): { resultCode: number; identifier: string } {
  const code = /<ResultCode>\s*(\d+)\s*<\/ResultCode>/.exec(data);
  if (!code) throw new OperationCompleteDataError(`no <ResultCode> in ${JSON.stringify(data.slice(0, 80))}`);
  const id = /<Identifier>([\s\S]*?)<\/Identifier>/.exec(data);
  const identifier = id ? id[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : '';
  return { resultCode: Number(code[1]), identifier };
}

/** The Generic Alert Item for one report. */
export function operationCompleteItem(report: ScomoReport): Item {
  const item: Item = {
    source: { locURI: report.sourceUri },
    meta: { type: OPERATION_COMPLETE_ALERT, format: report.format, mark: report.mark },
    data: operationCompleteData(report.resultCode, report.identifier),
  };
  if (report.targetUri !== undefined) item.target = { locURI: report.targetUri };
  return item;
}

/** The whole Alert 1226 for one report (one alert per report, since each carries its own Correlator). */
export function operationCompleteAlert(report: ScomoReport, cmdID: string): Alert {
  const alert: Alert = { kind: 'Alert', cmdID, data: '1226', items: [operationCompleteItem(report)] };
  if (report.correlator !== undefined) alert.correlator = report.correlator;
  return alert;
}
