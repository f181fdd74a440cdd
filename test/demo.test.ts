// The README's first command, as a newcomer runs it (issue 21): `scripts/demo` on each runtime ends in a flashed,
// verified, committed slot and OK; with --keep it prints the commands to look at what the agent left, and those
// commands work: `status --json` (firmware 2.4.1, booted from slot B, nothing to commit, no pending report), `info`
// and `tree list`, and another runtime reading the same state prints the very same.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareRuntime, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { repoRoot } from './support/qjs.js';

const DEMO_RUNTIME: Record<string, string> = { node: 'node', qjs: 'qjs', 'qjs-exe': 'exe' };

function runDemo(rt: AgentRuntime): { out: string; looks: string[][]; dir: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--runtime', DEMO_RUNTIME[rt], '--keep'], {
    cwd: repoRoot,
    timeout: 120_000,
  });
  const out = r.stdout.toString();
  expect(r.status, out + r.stderr.toString()).toBe(0);
  const dir = /the scratch dir stays: (\S+)\)/.exec(out)![1];
  // The look-around commands, relative to the checkout, as a newcomer would paste them.
  const looks = out
    .split('\n')
    .filter((l) => /^ {2}\S.* --config \S+ /.test(l) && !/:/.test(l.split(' --config ')[0]))
    .map((l) => l.trim().split(' '));
  return { out, looks, dir };
}

function run(argv: string[]): { code: number; out: string } {
  const [cmd, ...rest] = argv;
  const r = spawnSync(cmd === 'node' ? process.execPath : path.resolve(repoRoot, cmd), rest, { cwd: repoRoot });
  return { code: r.status === null ? -1 : r.status, out: r.stdout.toString() + r.stderr.toString() };
}

for (const rt of ['node', 'qjs', 'qjs-exe'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`scripts/demo --runtime ${DEMO_RUNTIME[rt]}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('ends OK with slot B flashed, verified and committed; the printed status and info commands work', () => {
      const { out, looks, dir } = runDemo(rt);
      try {
        expect(out).toMatch(/slot B holds firmware 2\.4\.1, verified .*committed: dm_slot=B upgrade_available=0/);
        expect(out).toMatch(/server received 1 result report\(s\): org\.openmobilealliance\.dm\.firmwareupdate\.downloadandupdate = 200/);
        expect(out).toMatch(/^ {2}OK {2}\(/m);
        expect(looks.map((l) => l.slice(l.indexOf('--config') + 2).join(' '))).toEqual(['status --json', 'info', 'tree list ./FUMO']);
        const status = run(looks[0]);
        expect(status.code, status.out).toBe(0);
        const doc = JSON.parse(status.out);
        expect(doc).toMatchObject({ ok: true, firmwareVersion: '2.4.1', slots: { booted: 'B', primary: 'B', pendingCommit: false }, pendingReports: [] });
        expect(doc.lastSession).toMatchObject({ initiator: 'client', outcome: 'ok', end: 'completed' });
        const info = run(looks[1]);
        expect(info.code, info.out).toBe(0);
        expect(info.out).toMatch(/^firmwareVersion: +2\.4\.1$/m);
        expect(run(looks[2]).code).toBe(0);
        // The other runtime on this very state prints the very same (Node for the QuickJS demos, the executable for
        // Node's).
        if (rt === 'node' && runtimeSkipReason('qjs-exe')) return;
        if (rt === 'node') prepareRuntime('qjs-exe');
        const other = rt === 'node' ? [`build/agent/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}/dm-agent`] : ['node', 'dist/node/cli.js'];
        const again = run([...other, ...looks[0].slice(looks[0].indexOf('--config'))]);
        expect(again.out).toBe(status.out);
        expect(run([...other, ...looks[1].slice(looks[1].indexOf('--config'))]).out).toBe(info.out);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 180_000);
  });
}

