// Cold start to package 1 (issue 19): `dm-agent request` reads the device facts package 1 carries (DevInfo,
// OMA-TS-DM_Protocol-V1_2 §8.3; docs/protocol.md §1.9) without paying again for what cannot change before the next
// boot. On Node, systeminformation (the costliest module at start) is asked at most once per boot id and its answers
// kept in the state directory; qjs never used it. The scenario runs on every runtime: two requests in one boot send
// the same DevInfo; on Node the second one must not load systeminformation (a --require hook lists the modules
// Node loaded, from require.cache, when the process exits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, RUNTIMES } from './support/agent.js';
import { readCachedSystemFacts, systemFactsForBoot, type SystemFacts } from '../platform/node/system-facts-cache.js';

let server: DmServer;
let scratch: string;
let hook: string;
beforeAll(async () => {
  server = await startDmServer({ port: 0 });
  scratch = mkdtempSync(path.join(tmpdir(), 'dm-start-facts-'));
  hook = path.join(scratch, 'loaded-modules.cjs');
  writeFileSync(
    hook,
    "process.on('exit', () => { require('fs').writeFileSync(process.env.DM_TEST_LOADED, Object.keys(require.cache).join('\\n')); });\n",
  );
});
afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

const SI = /node_modules\/systeminformation\//;
const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

for (const rt of RUNTIMES) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`device facts at start on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('two requests in one boot send the same DevInfo; the second does not load systeminformation', async () => {
      server.reset();
      server.setScenario('accept-202');
      const devId = `MAC:00000000019${RUNTIMES.indexOf(rt)}`;
      // The real system (sysRoot "/"), as on a device: that is where Node consults systeminformation.
      const c = agentConfig({ server: { url: server.url }, device: { devIdScheme: 'fixed', devId } }, `start-${rt}`);
      const loaded: string[][] = [];
      for (let i = 0; i < 2; i++) {
        const list = path.join(scratch, `${rt}-${i}.txt`);
        const env = rt === 'node' ? { NODE_OPTIONS: `--require ${hook}`, DM_TEST_LOADED: list } : {};
        const r = await runAgent(rt, ['--config', c.config, 'request', '--device'], { env });
        expect(r.stderr).not.toMatch(/internal error/);
        expect(r.code).toBe(0);
        loaded.push(rt === 'node' ? readFileSync(list, 'utf8').split('\n') : []);
      }
      const sessions = (JSON.parse(server.state()).sessions as Array<{ devId: string; devInfo: Record<string, string> }>).filter((s) => s.devId === devId);
      expect(sessions).toHaveLength(2);
      expect(sessions[0].devInfo.Mod).toBeTruthy();
      expect(sessions[1].devInfo).toEqual(sessions[0].devInfo);
      if (rt === 'node') {
        expect(loaded[1].filter((m) => SI.test(m))).toEqual([]);
        // The first request asked systeminformation only if the files left a gap; then its answers are kept for this boot.
        if (loaded[0].some((m) => SI.test(m))) {
          const kept = await readCachedSystemFacts(path.join(c.state, 'system-facts.json'), bootId());
          expect(kept).not.toBeNull();
        }
      }
      rmSync(c.dir, { recursive: true, force: true });
    }, 120_000);
  });
}

describe('systeminformation answers kept per boot (Node state directory)', () => {
  const facts: SystemFacts = { system: { manufacturer: 'ACME', model: 'Gateway 7', version: '', serial: '-', uuid: '' }, os: null };
  const counting = () => {
    const calls = { n: 0 };
    return { calls, ask: async () => (calls.n++, facts) };
  };

  it('asks once per boot id; a new boot id asks again', async () => {
    const file = path.join(scratch, 'per-boot.json');
    const { calls, ask } = counting();
    expect(await systemFactsForBoot(file, 'boot-a', ask)).toEqual(facts);
    expect(await systemFactsForBoot(file, 'boot-a', ask)).toEqual(facts);
    expect(calls.n).toBe(1);
    await systemFactsForBoot(file, 'boot-b', ask);
    expect(calls.n).toBe(2);
    expect(await readCachedSystemFacts(file, 'boot-a')).toBeNull();
    expect(await readCachedSystemFacts(file, 'boot-b')).toEqual(facts);
  });

  it('a damaged or foreign file is ignored and replaced; no boot id or no file means no cache', async () => {
    const file = path.join(scratch, 'damaged.json');
    for (const text of ['{"format":1,"bootId":"boot-a","sys', '{"format":1,"bootId":"boot-a","system":{"model":7},"os":null}', '[]']) {
      writeFileSync(file, text);
      const { calls, ask } = counting();
      expect(await systemFactsForBoot(file, 'boot-a', ask)).toEqual(facts);
      expect(calls.n).toBe(1);
      expect(await readCachedSystemFacts(file, 'boot-a')).toEqual(facts);
    }
    const { calls, ask } = counting();
    await systemFactsForBoot(path.join(scratch, 'nobootid.json'), null, ask);
    await systemFactsForBoot(undefined, 'boot-a', ask);
    expect(calls.n).toBe(2);
    expect(existsSync(path.join(scratch, 'nobootid.json'))).toBe(false);
  });
});
