// Robustness: whatever sequence of well-formed but arbitrary client messages arrives (wrong refs, stray Results,
// chunks that never end, unknown alerts, commands a client may not send), the server answers every one with a
// decodable DM message (or a clear 400), never an internal error, and keeps its records consistent.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command, Item } from '../src/syncml/model.js';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { TestClient } from '../scripts/server/test-client.js';
import { allowViolations } from './support/conformance.js';

allowViolations('fuzzing the server with arbitrary client messages');

let server: DmServer;
const logs: string[] = [];
beforeAll(async () => {
  server = await startDmServer({ scenario: 'fumo-200', maxMessagesPerSession: 6, log: (l) => logs.push(l) });
});
afterAll(async () => {
  await server.close();
});

const ref = fc.constantFrom('0', '1', '2', '3', '7', 'x');
const item: fc.Arbitrary<Item> = fc.record(
  {
    source: fc.record({ locURI: fc.constantFrom('./DevInfo/Mod', './FUMO', './X', '') }),
    data: fc.oneof(fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 8 })),
    moreData: fc.boolean(),
    meta: fc.record({ size: fc.constantFrom('3', '10', 'abc'), type: fc.constantFrom('org.openmobilealliance.dm.firmwareupdate.downloadandupdate', 'x'), format: fc.constantFrom('int', 'chr') }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ msgRef: ref, cmdRef: ref, cmd: fc.constantFrom('SyncHdr', 'Alert', 'Replace', 'Exec', 'Get'), data: fc.constantFrom('200', '202', '213', '401', '407', 'zz') }).map(
    (s) => ({ kind: 'Status' as const, cmdID: '', targetRefs: [], sourceRefs: [], items: [], ...s }),
  ),
  fc.record({ msgRef: ref, cmdRef: ref, items: fc.array(item, { minLength: 1, maxLength: 2 }) }).map((r) => ({ kind: 'Results' as const, cmdID: '', targetRefs: [], sourceRefs: [], ...r })),
  fc.record({ data: fc.constantFrom('1200', '1201', '1222', '1223', '1224', '1225', '1226', '1100', '9999'), items: fc.array(item, { maxLength: 2 }), correlator: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }) }).map(
    (a) => ({ kind: 'Alert' as const, cmdID: '', ...a }),
  ),
  fc.record({ kind: fc.constantFrom('Replace' as const, 'Get' as const, 'Add' as const), items: fc.array(item, { minLength: 1, maxLength: 2 }) }).map((c) => ({ cmdID: '', ...c })),
);

describe('server under arbitrary client messages', () => {
  it('always answers with a DM message and never fails internally', async () => {
    let sessions = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ body: fc.array(command, { maxLength: 4 }), final: fc.boolean() }), { minLength: 1, maxLength: 5 }), fc.constantFrom<'xml' | 'wbxml'>('xml', 'wbxml'), async (msgs, enc) => {
        const c = new TestClient(server.url, `IMEI:fuzz${sessions}`, String(++sessions), enc);
        for (const m of msgs) {
          const { reply } = await c.send(m.body, { final: m.final });
          expect(reply.body[0].kind).toBe('Status');
        }
      }),
      { numRuns: 60 },
    );
    expect(logs.filter((l) => /internal|TypeError|ReferenceError|\bat \w+/.test(l))).toEqual([]);
    expect(server.events.messages.filter((m) => m.dir === 'out').length).toBe(server.events.messages.filter((m) => m.dir === 'in').length);
  }, 30000);
});
