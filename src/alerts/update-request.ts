// The client-initiated update requests of the two seeds, as Generic Alerts (1226) for package 1.
// FUMO: seed 000 / docs/protocol.md §5.5 — types ...firmwareupdate.devicerequest|userrequest, Source = the FUMO node when the
// request is about one firmware. SCOMO 1.1: seed 003 / docs/protocol.md §6.5 — types urn:oma:at:scomo:1.1:UpdateDeviceRequest|
// UpdateUserRequest, Source (when present) MUST be a deployed component. Both: Data always present (X.1.4).
import type { GenericAlert } from '../dm/generic-alert.js';

export type { RequestOrigin } from '../ports/triggers.js';
import type { RequestOrigin } from '../ports/triggers.js';

export type UpdateTarget =
  | { kind: 'fumo'; /** `./FUMO/<x>` or absent for any firmware */ node?: string }
  | { kind: 'scomo'; /** `./SCOMO/Inventory/Deployed/<x>` or absent for all components */ componentUri?: string };

export const FUMO_REQUEST_TYPE: Record<RequestOrigin, string> = {
  device: 'org.openmobilealliance.dm.firmwareupdate.devicerequest',
  user: 'org.openmobilealliance.dm.firmwareupdate.userrequest',
};

export const SCOMO_REQUEST_TYPE: Record<RequestOrigin, string> = {
  device: 'urn:oma:at:scomo:1.1:UpdateDeviceRequest',
  user: 'urn:oma:at:scomo:1.1:UpdateUserRequest',
};

export class RequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

const DEPLOYED = /^\.\/SCOMO\/Inventory\/Deployed\/[^/?#\s]+$/;
const FUMO_NODE = /^\.\/(?:[^/?#\s]+\/)*[^/?#\s]+$/;

export interface RequestOptions {
  /** Vendor-specific data (seed 003 X.1.4); empty when there is none. */
  data?: string;
  /** Meta/Mark; omitted means informational (docs/protocol.md §1.11). */
  mark?: string;
}

/** Builds the Generic Alert of a client-initiated update request. Throws RequestError before anything is sent. */
export function buildUpdateRequest(origin: RequestOrigin, target: UpdateTarget, options: RequestOptions = {}): GenericAlert {
  const data = options.data === undefined ? '' : options.data;
  let alert: GenericAlert;
  if (target.kind === 'fumo') {
    alert = { type: FUMO_REQUEST_TYPE[origin], format: 'chr', data };
    if (target.node !== undefined) {
      if (!FUMO_NODE.test(target.node)) throw new RequestError(`FUMO node ${JSON.stringify(target.node)} is not a DM tree URI like ./FUMO/<x>`);
      alert.sourceUri = target.node;
    }
  } else {
    alert = { type: SCOMO_REQUEST_TYPE[origin], format: 'chr', data };
    if (target.componentUri !== undefined) {
      // Seed 003 X.1.3: "The URI in the alert, if specified, MUST point to the location of a deployed software component."
      if (!DEPLOYED.test(target.componentUri)) {
        throw new RequestError(
          `SCOMO request URI ${JSON.stringify(target.componentUri)} is not a deployed component (./SCOMO/Inventory/Deployed/<x>)`,
        );
      }
      alert.sourceUri = target.componentUri;
    }
  }
  if (options.mark) alert.mark = options.mark;
  return alert;
}

/** `--fumo X`: a bare name means ./FUMO/X, a full URI is kept. */
export function fumoNodeUri(name: string): string {
  return name.indexOf('./') === 0 ? name : `./FUMO/${name}`;
}

export type RequestAnswer = 'will-update' | 'accepted' | 'refused' | 'no-status';

/**
 * The server's Status for the request (seed 000): 200 = the server will command the update in this session,
 * 202 = accepted for processing, nothing more now. Anything else is a refusal.
 */
export function classifyAnswer(status: number | undefined): RequestAnswer {
  if (status === undefined) return 'no-status';
  if (status === 200) return 'will-update';
  if (status === 202) return 'accepted';
  return 'refused';
}
