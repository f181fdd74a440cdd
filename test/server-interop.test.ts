// Reference server fixes found against real clients (issue 20 item 8): per-item Statuses are valid
// (OMA-TS-DM_RepPro-V1_2), a bad client Replace is named item by item, a session that is over (by our abort or
// otherwise) is answered Final with nothing to do instead of going on for ever, FUMO scenarios name the image's
// SHA-256 without a descriptor, and the command line exits 1 when a scenario failed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { get } from '../scripts/server/commands.js';
import { commandsOf, devInfoReplace, genericAlert, TestClient } from '../scripts/server/test-client.js';
import type { Alert, Command, ItemCommand, Status } from '../src/syncml/model.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, RUNTIMES } from './support/agent.js';
import { repoRoot } from './support/qjs.js';
import { allowViolations } from './support/conformance.js';

allowViolations('server unit tests: wrong Statuses, Replaces and late messages on purpose (the agent runs here assert no violations themselves)');

const USERREQ = 'org.openmobilealliance.dm.firmwareupdate.userrequest';
let server: DmServer | undefined;
afterEach(async () => {
  if (server) await server.close();
  server = undefined;
});

/** A Status for item `ref` of command `c` of `reply`. */
function itemStatus(reply: { hdr: { msgID: string } }, c: Command, ref: string | undefined, code = 200): Status {
  return { kind: 'Status', cmdID: '', msgRef: reply.hdr.msgID, cmdRef: c.cmdID, cmd: c.kind, targetRefs: ref ? [ref] : [], sourceRefs: [], data: String(code), items: [] };
}

describe('per-item Statuses (OMA-TS-DM_RepPro-V1_2: one Status per Item of a multi-item command)', () => {
  const three = ['./DevInfo/Mod', './DevInfo/Nope', './DevInfo/Man'];
  const start = async (id: string) => {
    server = await startDmServer({ scenario: { name: 'multi-get', next: (ctx) => (ctx.step === 0 ? [get(...three)] : []) } });
    const c = new TestClient(server.url, id, '1');
    const pkg2 = (await c.pkg1([])).reply;
    const g = commandsOf(pkg2)[0];
    return { c, pkg2, g, hdr: new TestClient(server.url, id, '1').statuses(pkg2).slice(0, 1) };
  };

  it('accepts one Status per Item, each naming its item', async () => {
    const { c, pkg2, g, hdr } = await start('IMEI:items1');
    const statuses = [itemStatus(pkg2, g, three[0]), itemStatus(pkg2, g, three[1], 404), itemStatus(pkg2, g, three[2])];
    await c.send([...hdr, ...statuses, c.results(pkg2, g, [{ source: { locURI: three[0] }, data: 'GW-1' }, { source: { locURI: three[2] }, data: 'Example' }])]);
    expect(server!.events.violations).toEqual([]);
    expect(server!.events.statuses.filter((s) => s.cmd === 'Get').map((s) => s.code)).toEqual([200, 404, 200]);
  });

  it('still flags a real duplicate: the same item twice, or one without refs after per-item ones', async () => {
    const { c, pkg2, g, hdr } = await start('IMEI:items2');
    await c.send([...hdr, itemStatus(pkg2, g, three[0]), itemStatus(pkg2, g, three[0]), itemStatus(pkg2, g, three[1]), itemStatus(pkg2, g, three[2]), itemStatus(pkg2, g, undefined)]);
    const dups = server!.events.violations.filter((v) => v.code === 'status-duplicate').map((v) => v.message);
    expect(dups).toHaveLength(2);
    expect(dups[0]).toMatch(/^second Status for our Get .*: a second Status for the Item \.\/DevInfo\/Mod/);
    expect(dups[1]).toMatch(/^second Status for our Get .*: a Status for the whole command after another/);
  });

  it('a single-item command answered twice is a duplicate', async () => {
    server = await startDmServer({ scenario: { name: 'one-get', next: (ctx) => (ctx.step === 0 ? [get('./DevInfo/Mod')] : []) } });
    const c = new TestClient(server.url, 'IMEI:items3', '1');
    const pkg2 = (await c.pkg1([])).reply;
    const g = commandsOf(pkg2)[0];
    await c.send([...c.statuses(pkg2), itemStatus(pkg2, g, './DevInfo/Mod')]);
    expect(server.events.violations.map((v) => [v.code, v.message])).toContainEqual(['status-duplicate', expect.stringMatching(/^second Status for our Get/)]);
  });
});

describe('client Replace targets', () => {
  it('takes DevInfo leaves with or without "./" and deeper ones; names the item and the problem otherwise', async () => {
    server = await startDmServer({ scenario: 'accept-202' });
    const c = new TestClient(server.url, 'IMEI:repl', '1');
    const dev = devInfoReplace('IMEI:repl');
    const odd: ItemCommand = {
      kind: 'Replace',
      cmdID: '',
      items: [
        { source: { locURI: 'DevInfo/Lang' }, data: 'de-DE' },
        { source: { locURI: './DevInfo/Ext/Board' }, data: 'rev-c' },
        { source: { locURI: './FUMO/State' }, data: '10' },
        { data: 'orphan' },
      ],
    };
    await c.send([{ kind: 'Alert', cmdID: '', data: '1201', items: [] } as Alert, dev, odd]);
    const session = server.events.sessions[0];
    expect(session.devInfo).toMatchObject({ Lang: 'de-DE', 'Ext/Board': 'rev-c' });
    const msgs = server.events.violations.filter((v) => v.code === 'replace-target').map((v) => v.message);
    expect(msgs).toEqual([
      'client Replace 3 item 3 names "./FUMO/State", which is not a node under ./DevInfo; a client Replaces only DevInfo (docs/protocol.md §1.9)',
      'client Replace 3 item 4 has neither Source nor Target LocURI: it names no node',
    ]);
  });
});

describe('a session that is over', () => {
  it('after our abort (cap), every further message gets Final, Alert 1223 and no RespURI; the scenario is asked nothing more', async () => {
    let asked = 0;
    server = await startDmServer({ scenario: { name: 'loop-counted', next: () => (asked++, [get('./DevInfo/Mod')]) }, maxMessagesPerSession: 3 });
    const c = new TestClient(server.url, 'IMEI:cap', '1');
    let reply = (await c.pkg1([])).reply;
    for (let i = 0; i < 2; i++) reply = (await c.send(c.statuses(reply))).reply;
    expect(commandsOf(reply).map((x) => (x as Alert).data)).toEqual(['1223']);
    expect(reply.final).toBe(true);
    const askedAtEnd = asked;
    // a client that ignores the abort and keeps sending without Final (the old server asked it for the next message)
    for (let i = 0; i < 20; i++) {
      const r = (await c.send(c.statuses(reply), { final: false })).reply;
      expect(r.final).toBe(true);
      expect(r.hdr.respURI).toBeUndefined();
      expect(commandsOf(r).map((x) => `${x.kind} ${(x as Alert).data}`)).toEqual(['Alert 1223']);
      reply = r;
    }
    expect(asked).toBe(askedAtEnd);
    expect(server.events.sessions[0].endReason).toBe('capped');
    expect(server.events.violations.filter((v) => v.code === 'message-after-end')).toHaveLength(20);
  });

  it('after a completed session, a message without Final is answered Final with nothing to do, not with Alert 1222', async () => {
    server = await startDmServer({ scenario: 'accept-202' });
    const c = new TestClient(server.url, 'IMEI:done', '1');
    const pkg2 = (await c.pkg1([genericAlert('org.openmobilealliance.dm.firmwareupdate.devicerequest', '')])).reply;
    expect(pkg2.final).toBe(true);
    expect(server.events.sessions[0].endReason).toBe('completed');
    const r = (await c.send(c.statuses(pkg2), { final: false })).reply;
    expect(r.final).toBe(true);
    expect(commandsOf(r)).toEqual([]);
    expect(r.body.map((x) => (x as Status).cmd)).toEqual(['SyncHdr']);
  });
});

describe('fumo-200 without a descriptor', () => {
  it('names the image SHA-256 in <x>/Ext/PkgSHA256 next to PkgURL', async () => {
    const fw = new Uint8Array(3000).map((_, i) => (i * 3) & 0xff);
    server = await startDmServer({ scenario: 'fumo-200', files: { 'fw.bin': fw } });
    const c = new TestClient(server.url, 'IMEI:sha', '1');
    const pkg2 = (await c.pkg1([genericAlert(USERREQ, '')])).reply;
    const rep = commandsOf(pkg2).find((x) => x.kind === 'Replace') as ItemCommand;
    const values = Object.fromEntries(rep.items.map((it) => [it.target!.locURI, it.data]));
    expect(values['./FUMO/Ext/PkgSHA256']).toBe(createHash('sha256').update(fw).digest('hex'));
    expect(values['./FUMO/DownloadAndUpdate/PkgURL']).toBe(`${server.baseUrl}/fw/fw.bin`);
  });

  for (const rt of RUNTIMES) {
    const skip = runtimeSkipReason(rt);
    describe.skipIf(!!skip)(`the agent on ${rt}, fumo.requireHash left on`, () => {
      beforeAll(() => prepareRuntime(rt), 900_000);
      it('verifies the image and reports success (before: "no SHA-256 is known", result 402-ish failure)', async () => {
        server = await startDmServer({ scenario: 'fumo-200', files: { 'fw.bin': new Uint8Array(5000).fill(7) } });
        const devId = `MAC:00000000D8${RUNTIMES.indexOf(rt)}1`;
        const dir = agentConfig({}, `sha-${rt}`).dir;
        const c = agentConfig(
          { server: { url: server.url }, device: { devIdScheme: 'fixed', devId, firmwareVersion: '1.0' }, ui: { mode: 'headless' }, fumo: { writer: { type: 'file', path: path.join(dir, 'fw.img') }, reboot: [], allowHttp: true } },
          `sha-${rt}`,
        );
        const r = await runAgent(rt, ['--config', c.config, 'request', '--user']);
        expect(r.code).toBe(0);
        expect(r.stdout).not.toMatch(/no SHA-256/);
        expect(server.events.countedReports.map((x) => x.resultCode)).toEqual([200]);
        expect(server.events.violations).toEqual([]);
      });
    });
  }
});

describe('dm-server command line exit status', () => {
  /** Starts scripts/dm-server, lets `drive` talk to it, stops it with SIGTERM; returns its exit code and output. */
  async function runCli(args: string[], drive: (url: string) => Promise<void>): Promise<{ code: number | null; out: string }> {
    const dir = mkdtempSync(path.join(tmpdir(), 'dmcli-exit-'));
    const urlFile = path.join(dir, 'url');
    const child = spawn(path.join(repoRoot, 'scripts/dm-server'), [...args, '--url-file', urlFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise<number | null>((ok) => child.on('close', (code) => ok(code)));
    try {
      const t0 = Date.now();
      while (!/listening on/.test(out)) {
        if (Date.now() - t0 > 8000) throw new Error(`no listening line: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await drive(readFileSync(urlFile, 'utf8').trim());
    } finally {
      child.kill('SIGTERM');
    }
    const code = await closed;
    rmSync(dir, { recursive: true, force: true });
    return { code, out };
  }

  it('exits 0 after a clean run and 1 when a FUMO report names a failure, printing the verdict', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dmcli-fw-'));
    const fw = path.join(dir, 'fw.bin');
    writeFileSync(fw, 'firmware');
    try {
      const clean = await runCli(['--scenario', 'accept-202'], async (url) => {
        await new TestClient(url, 'IMEI:ok', '1').pkg1([genericAlert('org.openmobilealliance.dm.firmwareupdate.devicerequest', '')]);
      });
      expect(clean.out).toMatch(/dm-server: 1 session\(s\), 0 result report\(s\), 0 problem\(s\)/);
      expect(clean.code).toBe(0);

      const failed = await runCli(['--scenario', 'fumo-200', '--firmware', fw], async (url) => {
        // the report an agent sends when it found no SHA-256 to check the image against (result 402 here)
        await new TestClient(url, 'IMEI:bad', '1').pkg1([
          genericAlert('org.openmobilealliance.dm.firmwareupdate.downloadandupdate', '402', { source: './FUMO/DownloadAndUpdate', format: 'int', mark: 'critical', correlator: 'c-1' }),
        ]);
      });
      expect(failed.out).toMatch(/FUMO report from IMEI:bad: result 402 \(correlator c-1\)/);
      expect(failed.code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30000);
});

