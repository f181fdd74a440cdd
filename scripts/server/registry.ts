// Servers started in this process, for test support that checks each one's records (test/support/conformance.ts):
// the conformance check runs at the end of every integration test without each test file having to ask for it.
import type { ServerEvents } from './types.js';

export interface StartedServer {
  url: string;
  events: ServerEvents;
}

type Listener = (s: StartedServer) => void;
const listeners: Listener[] = [];

/** Calls `fn` for every server started from now on in this process. */
export function onServerStarted(fn: Listener): void {
  listeners.push(fn);
}

export function serverStarted(s: StartedServer): void {
  for (const fn of listeners) fn(s);
}
