// Cold start to package 1 (issue 19): `dm-agent request` reads the device facts package 1 carries (DevInfo,
// OMA-TS-DM_Protocol-V1_2 §8.3; docs/protocol.md §1.9) from a few files and nothing else. Node used to load
// systeminformation for DMI gaps, which spawned four shells (sh, cat, ls, grep, dmesg) and cost ~4 MiB of peak RSS and
// ~120 ms of CPU on the first request of a boot (scripts/bench rss, startup); now
// both runtimes read the same files (src/device/sources.ts). The scenario runs on every runtime: two requests in one
// boot send the same DevInfo; on Node neither starts a child process (a --require hook records every
// ChildProcess spawn, the one path child_process.spawn, exec and execFile all take, and writes the list at exit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, RUNTIMES } from './support/agent.js';

let server: DmServer;
let scratch: string;
let hook: string;
beforeAll(async () => {
  server = await startDmServer({ port: 0 });
  scratch = mkdtempSync(path.join(tmpdir(), 'dm-start-facts-'));
  hook = path.join(scratch, 'spawned.cjs');
  writeFileSync(
    hook,
    [
      "const { ChildProcess } = require('child_process');",
      'const spawned = [];',
      'const spawn = ChildProcess.prototype.spawn;',
      'ChildProcess.prototype.spawn = function (options) { spawned.push(String(options && options.file)); return spawn.apply(this, arguments); };',
      "process.on('exit', () => { require('fs').writeFileSync(process.env.DM_TEST_SPAWNED, spawned.join('\\n')); });",
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

for (const rt of RUNTIMES) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`device facts at start on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('two requests in one boot send the same DevInfo; Node starts no child process for it', async () => {
      server.reset();
      server.setScenario('accept-202');
      const devId = `MAC:00000000019${RUNTIMES.indexOf(rt)}`;
      // The real system (sysRoot "/"), as on a device: that is where Node consulted systeminformation.
      const c = agentConfig({ server: { url: server.url }, device: { devIdScheme: 'fixed', devId } }, `start-${rt}`);
      const spawned: string[][] = [];
      for (let i = 0; i < 2; i++) {
        const list = path.join(scratch, `${rt}-${i}.txt`);
        const env = rt === 'node' ? { NODE_OPTIONS: `--require ${hook}`, DM_TEST_SPAWNED: list } : {};
        const r = await runAgent(rt, ['--config', c.config, 'request', '--device'], { env });
        expect(r.stderr).not.toMatch(/internal error/);
        expect(r.code).toBe(0);
        spawned.push(rt === 'node' ? readFileSync(list, 'utf8').split('\n').filter((l) => l !== '') : []);
      }
      const sessions = (JSON.parse(server.state()).sessions as Array<{ devId: string; devInfo: Record<string, string> }>).filter((s) => s.devId === devId);
      expect(sessions).toHaveLength(2);
      expect(sessions[0].devInfo.Mod).toBeTruthy();
      expect(sessions[1].devInfo).toEqual(sessions[0].devInfo);
      if (rt === 'node') expect(spawned).toEqual([[], []]);
      rmSync(c.dir, { recursive: true, force: true });
    }, 120_000);
  });
}
