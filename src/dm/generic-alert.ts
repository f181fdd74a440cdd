// Generic Alert 1226 (docs/protocol.md §1.11): client -> server, an Item with optional Source/Target, required Meta Type and
// Format, optional Mark, and required Data (empty string when there is nothing to say, never absent).
import type { Alert, Item } from '../syncml/model.js';
import { AlertCode } from './codes.js';

export interface GenericAlert {
  /** Bare alert type, e.g. `org.openmobilealliance.dm.firmwareupdate.devicerequest` (docs/protocol.md §1.11, §9 #14). */
  type: string;
  format: string;
  mark?: string;
  sourceUri?: string;
  targetUri?: string;
  /** Always sent; '' becomes `<Data/>`. */
  data: string;
  correlator?: string;
  /** Opaque id of whoever queued the alert (a pending report), echoed back in the outcome. */
  ref?: string;
}

export function genericAlertCommand(alert: GenericAlert, cmdID: string): Alert {
  const item: Item = { meta: { type: alert.type, format: alert.format }, data: alert.data };
  if (alert.mark) item.meta!.mark = alert.mark;
  if (alert.sourceUri) item.source = { locURI: alert.sourceUri };
  if (alert.targetUri) item.target = { locURI: alert.targetUri };
  const cmd: Alert = { kind: 'Alert', cmdID, data: AlertCode.Generic, items: [item] };
  if (alert.correlator !== undefined) cmd.correlator = alert.correlator;
  return cmd;
}
