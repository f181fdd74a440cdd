// The reference server's conformance check at the end of every test that uses the server: each protocol violation
// it recorded (scripts/server/session.ts, docs/protocol.md) fails the test that caused it. Registered for every test
// file by vitest.config.ts (setupFiles: test/support/conformance-setup.ts). A test file that misbehaves on purpose
// (a hostile client, a hand-made wrong message) opts out explicitly, naming why:
//   allowViolations('server unit tests send wrong messages on purpose');                  // the whole file
//   allowViolations('the agent is capped by the loop scenario', ['session-capped']);     // these codes only
//   allowViolationsInThisTest('an impostor: the agent must not follow its RespURI', ['respuri-ignored']);
import { onServerStarted, type StartedServer } from '../../scripts/server/registry.js';
import type { Violation } from '../../scripts/server/types.js';

const servers: StartedServer[] = [];
/** Violations already looked at, per server (its arrays shrink on reset()). */
const seen = new Map<StartedServer, number>();
let optOut: string | undefined;
let allowed: string[] = [];
let allowedNow: string[] = [];
let registered = false;

export function watchServers(): void {
  if (registered) return;
  registered = true;
  onServerStarted((s) => {
    servers.push(s);
    seen.set(s, 0);
  });
}

/** Opts this test file out of the check: every violation (no codes) or those codes only. `why` is for the reader. */
export function allowViolations(why: string, codes?: string[]): void {
  if (!why) throw new Error('allowViolations needs a reason');
  if (codes) allowed = allowed.concat(codes);
  else optOut = why;
}

/** Allows these codes until the end of the running test (the check after it). */
export function allowViolationsInThisTest(why: string, codes: string[]): void {
  if (!why) throw new Error('allowViolationsInThisTest needs a reason');
  allowedNow = allowedNow.concat(codes);
}

/** The violations recorded since the last check that this file does not allow; marks them as looked at. */
export function newViolations(): Violation[] {
  const out: Violation[] = [];
  for (const s of servers) {
    const list = s.events.violations;
    const from = Math.min(seen.get(s) || 0, list.length);
    for (const v of list.slice(from)) if (!optOut && allowed.indexOf(v.code) < 0 && allowedNow.indexOf(v.code) < 0) out.push(v);
    seen.set(s, list.length);
  }
  allowedNow = [];
  return out;
}
