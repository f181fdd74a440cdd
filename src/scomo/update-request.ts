// Client-initiated SCOMO request (docs/protocol.md §6.5; normative: seed 003, SCOMO1_1-HLF-08/09). A Generic Alert whose
// Source, when present, is a Deployed component (build it with findDeployed); Data is always present, empty when
// there is no vendor data (docs/flows.md E: never a missing Data).

import type { Alert, Item } from '../syncml/model.js';
import { UPDATE_DEVICE_REQUEST_ALERT, UPDATE_USER_REQUEST_ALERT } from './codes.js';

export interface UpdateRequest {
  /** `user` when a person asked (button, UI), `device` when the agent decided (schedule). */
  initiator: 'device' | 'user';
  /** `./SCOMO/Inventory/Deployed/<x>`; omit to let the server consider every component. */
  componentUri?: string;
  /** Vendor data; default empty. */
  data?: string;
}

export class UpdateRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpdateRequestError';
  }
}

export function updateRequestItem(request: UpdateRequest): Item {
  if (request.initiator !== 'device' && request.initiator !== 'user')
    throw new UpdateRequestError(`initiator must be "device" or "user", got ${JSON.stringify(request.initiator)}`);
  if (request.componentUri !== undefined && !/\/Inventory\/Deployed\/[^/]+$/.test(request.componentUri))
    throw new UpdateRequestError(`componentUri must point to Inventory/Deployed/<x> (seed 003 X.1.3), got ${JSON.stringify(request.componentUri)}`);
  const item: Item = {
    meta: { type: request.initiator === 'user' ? UPDATE_USER_REQUEST_ALERT : UPDATE_DEVICE_REQUEST_ALERT, format: 'chr' },
    data: request.data === undefined ? '' : request.data,
  };
  if (request.componentUri !== undefined) item.source = { locURI: request.componentUri };
  return item;
}

export function updateRequestAlert(request: UpdateRequest, cmdID: string): Alert {
  return { kind: 'Alert', cmdID, data: '1226', items: [updateRequestItem(request)] };
}
