// What a trigger hands to the agent: "start a client-initiated session now". A button press is the user asking
// (FUMO ...userrequest / SCOMO UpdateUserRequest), a schedule is the device asking (...devicerequest /
// UpdateDeviceRequest) — docs/design.md, first diagram.



import type { TriggerEvent } from '../ports/triggers.js';
export type { RequestOrigin, TriggerEvent, TriggerKind } from '../ports/triggers.js';
export function buttonTrigger(at: number): TriggerEvent {
  return { kind: 'button', request: 'user', at };
}

export function scheduleTrigger(at: number): TriggerEvent {
  return { kind: 'schedule', request: 'device', at };
}
