// One source of truth for the device facts (issue 21 item 1, issue 19): `info --json` and the DevInfo and DevDetail
// subtrees (OMA-TS-DM_Protocol-V1_2 §8.3: package 1 carries DevInfo; docs/protocol.md §4.1, §4.2) must say the same on
// every runtime for the same files. Node used to fill DMI gaps from systeminformation on the real system ("Docker
// Container" in a container, where QuickJS said "unknown"); now both read only the files src/device/sources.ts names.
// Each runtime runs the built agent on two fake sysRoots and on the real system (sysRoot "/"); every runtime's answer
// is compared with Node's, and Node's fake-root answers with the values the files hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, RUNTIMES, type AgentRuntime } from './support/agent.js';
import { makeFakeRoot } from './support/fake-sysroot.js';

const ROOTS = { pc: makeFakeRoot('pc'), arm: makeFakeRoot('arm'), real: '/' };
type RootName = keyof typeof ROOTS;
const dirs: string[] = [];
afterAll(() => {
  for (const r of [ROOTS.pc, ROOTS.arm, ...dirs]) rmSync(r, { recursive: true, force: true });
});

/** What a runtime prints about the device: `info --json` facts and the DevInfo and DevDetail subtrees. */
interface Seen {
  facts: Record<string, string>;
  devInfo: unknown;
  devDetail: unknown;
}
const seen: Partial<Record<AgentRuntime, Partial<Record<RootName, Seen>>>> = {};

async function json(rt: AgentRuntime, config: string, args: string[]): Promise<Record<string, unknown>> {
  const r = await runAgent(rt, ['--config', config, ...args, '--json'], { timeoutMs: 120_000 });
  expect(r.stderr, `${rt} ${args.join(' ')}`).toBe('');
  expect(r.code, `${rt} ${args.join(' ')}`).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

for (const rt of RUNTIMES) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`device facts on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('info --json, DevInfo and DevDetail from a fake PC root, a fake ARM root and the real system', async () => {
      const mine: Partial<Record<RootName, Seen>> = {};
      for (const name of Object.keys(ROOTS) as RootName[]) {
        // devIdScheme mac on the fake roots (a fact read from /sys/class/net); fixed on the real system, which may
        // have no physical interface in a container.
        const device = name === 'real' ? { devIdScheme: 'fixed', devId: 'MAC:02BE0C0000FF' } : { sysRoot: ROOTS[name] };
        const c = agentConfig({ server: { url: 'http://127.0.0.1:9/dm' }, device }, `info-same-${rt}`);
        dirs.push(c.dir);
        const info = await json(rt, c.config, ['info']);
        const devInfo = await json(rt, c.config, ['tree', 'list', './DevInfo']);
        const devDetail = await json(rt, c.config, ['tree', 'list', './DevDetail']);
        mine[name] = { facts: info.device as Record<string, string>, devInfo: devInfo.items, devDetail: devDetail.items };
      }
      seen[rt] = mine;
      if (rt === 'node') {
        // Node's answers are the reference the other runtimes are held to: check them against the files first.
        expect(mine.pc!.facts).toMatchObject({ devId: 'MAC:B827EB000001', manufacturer: 'Advantech', model: 'UNO-2271G', oem: 'Advantech Co., Ltd.', hardwareVersion: 'A1', firmwareVersion: '5.2.7', serialNumber: 'AKB1234567' });
        expect(mine.arm!.facts).toMatchObject({ manufacturer: 'raspberrypi', model: 'Raspberry Pi 4 Model B Rev 1.1', hardwareVersion: 'c03111', serialNumber: '10000000abcdef01', kernelVersion: '6.6.31' });
        expect(mine.arm!.devInfo).toContainEqual(expect.objectContaining({ uri: './DevInfo/Mod', data: 'Raspberry Pi 4 Model B Rev 1.1' }));
        expect(mine.pc!.devDetail).toContainEqual(expect.objectContaining({ uri: './DevDetail/FwV', data: '5.2.7' }));
      } else {
        const node = seen.node;
        if (!node) return; // Node's half did not run (filtered): nothing to compare with
        for (const name of Object.keys(ROOTS) as RootName[]) expect(mine[name], `${rt} vs node on the ${name} root`).toEqual(node[name]);
      }
    }, 600_000);
  });
}
