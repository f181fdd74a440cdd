// Conformance run: the built agent against every scenario of the reference server, with each client auth type and
// both encodings; prints one line per run with the agent's exit status, how the session ended, what the agent
// answered, and every protocol violation the server recorded. A script for people, not a test.
//   npx tsx scripts/server/conformance.ts [--agent "node dist/node/cli.js"] [--scenarios a,b] [--auth none,md5] [--enc wbxml,xml]
//                                         [--server-auth basic|md5|hmac [--wrong-server-cred]] [--verbose] [--story-d]
// --story-d adds FLOWS story D: a device request answered 202, then a package 0 dropped into the agent's spool folder,
// the daemon's server-initiated session (Alert 1200, the notification's SessionID) with the update, and the report.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDmServer } from './dm-server.js';
import { scenarioNames } from './scenarios.js';
import type { ServerAuthType } from './types.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

/** `a a a b` → `a×3 b`: loops and no-final sessions repeat one status many times. */
function runs(items: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < items.length; ) {
    let j = i;
    while (j < items.length && items[j] === items[i]) j++;
    out.push(j - i > 1 ? `${items[i]}×${j - i}` : items[i]);
    i = j;
  }
  return out.join(' ');
}

function run(cmd: string[], timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd[0], cmd.slice(1), { cwd: root });
    let out = '';
    let err = '';
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

/** FLOWS story D over the spool transport; returns 1 when it failed or the server recorded violations. */
async function storyD(agent: string[], verbose: boolean): Promise<number> {
  const server = await startDmServer({
    scenario: 'accept-202',
    serverId: 'conformance',
    serverCred: { type: 'md5', name: 'conformance', secret: 'srvsecret' },
    files: { 'fw.bin': new Uint8Array(4096).fill(9) },
    log: verbose ? (l) => process.stdout.write(`       ${l}\n`) : undefined,
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-conf-d-'));
  const spool = path.join(dir, 'spool');
  const devId = 'MAC:00000000D0D0';
  const cfg = path.join(dir, 'config.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      stateDir: path.join(dir, 'state'),
      server: { url: server.url, id: 'conformance', encoding: 'wbxml', serverAuth: { type: 'md5', name: 'conformance', secret: 'srvsecret' } },
      device: { devIdScheme: 'fixed', devId, firmwareVersion: '1.0' },
      ui: { mode: 'headless' },
      fumo: { writer: { type: 'file', path: path.join(dir, 'fw.img') }, reboot: [], allowHttp: true, requireHash: false },
      notifications: { spool: { dir: spool, pollMs: 100, settleMs: 0 } },
    }),
  );
  let problem = '';
  try {
    const first = await run([...agent, '--config', cfg, 'request', '--device'], 60000);
    if (first.code !== 0) problem = `request --device exited ${first.code}`;
    server.setScenario('fumo-200');
    const sent = await server.notify({ spool, devId, sessionId: 0x1a2b, uiMode: 1, initiator: 1 });
    const daemon = spawn(agent[0], [...agent.slice(1), '--config', cfg, 'daemon'], { cwd: root, stdio: 'ignore' });
    try {
      await server.waitFor((e) => e.reports.some((r) => r.devId === devId), 30000, 'the result report after the server-initiated session');
    } catch (e) {
      problem = problem || (e as Error).message;
    } finally {
      // Stop the daemon and wait for it to finish writing its state before the folder goes away.
      const closed = new Promise<void>((ok) => daemon.on('close', () => ok()));
      daemon.kill('SIGTERM');
      const hard = setTimeout(() => daemon.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(hard);
    }
    const d = server.events.sessions.find((x) => x.initiation === '1200');
    if (!problem && (!d || d.sessionId !== '1A2B')) problem = `no Alert 1200 session with SessionID 1A2B (pkg0 ${sent.hex})`;
  } catch (e) {
    problem = problem || (e as Error).message;
  }
  const viol = server.events.violations.map((v) => `${v.code}: ${v.message}`);
  const sessions = server.events.sessions.map((x) => `${x.sessionId}/${x.initiation}/${x.endReason || 'open'}`).join(' ');
  const reports = server.events.reports.map((x) => `${x.kind}:${x.resultCode}#${x.occurrence}`).join(' ');
  process.stdout.write(`${problem || viol.length ? 'FAIL' : 'ok  '} story-d (pkg0 spool) sessions=[${sessions}] reports=[${reports}]${problem ? `  | ${problem}` : ''}\n`);
  for (const v of viol) process.stdout.write(`       ${v}\n`);
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  return problem || viol.length ? 1 : 0;
}

async function main(): Promise<void> {
  const agent = arg('--agent', `${process.execPath} ${path.join(root, 'dist/node/cli.js')}`).split(' ');
  const scenarios = arg('--scenarios', scenarioNames().join(',')).split(',');
  const auths = arg('--auth', 'none,basic,md5,hmac').split(',') as ServerAuthType[];
  const encs = arg('--enc', 'wbxml,xml').split(',');
  const serverAuth = arg('--server-auth', 'none') as ServerAuthType;
  const wrong = process.argv.indexOf('--wrong-server-cred') > 0;
  const verbose = process.argv.indexOf('--verbose') > 0;
  const image = new Uint8Array(64 * 1024).map((_, i) => (i * 13) & 0xff);
  let failures = 0;
  for (const enc of encs)
    for (const auth of auths)
      for (const scenario of scenarios) {
        const server = await startDmServer({
          scenario,
          serverId: 'conformance',
          files: { 'fw.bin': image },
          auth: auth === 'none' ? { type: 'none' } : { type: auth, user: 'dev', secret: 'devsecret' },
          maxMessagesPerSession: 200,
          serverCred: { type: serverAuth, name: 'conformance', secret: 'srvsecret', wrong },
          log: verbose ? (l) => process.stdout.write(`       ${l}\n`) : undefined,
        });
        const dir = mkdtempSync(path.join(tmpdir(), 'dm-conf-'));
        const config = {
          stateDir: path.join(dir, 'state'),
          server: {
            url: server.url,
            id: 'conformance',
            encoding: enc,
            clientAuth: auth === 'none' ? { type: 'none' } : { type: auth, name: 'dev', secret: 'devsecret' },
            serverAuth: serverAuth === 'none' ? { type: 'none' } : { type: serverAuth, name: 'conformance', secret: 'srvsecret' },
          },
          device: { devIdScheme: 'fixed', devId: 'MAC:00000000C0DE', firmwareVersion: '1.0' },
          ui: { mode: 'headless' },
          fumo: { writer: { type: 'file', path: path.join(dir, 'fw.img') }, reboot: [], allowHttp: true, requireHash: false },
        };
        const cfg = path.join(dir, 'config.json');
        writeFileSync(cfg, JSON.stringify(config));
        const words = scenario.indexOf('scomo') === 0 ? ['request', '--user', '--scomo'] : ['request', '--user'];
        const r = await run([...agent, '--config', cfg, ...words], 60000);
        const s = server.events.sessions.map((x) => `${x.endReason || 'open'}/${x.messagesIn}msg`).join(' ');
        const statuses = runs(server.events.statuses.map((x) => `${x.cmd}=${x.code}`));
        const reports = server.events.reports.map((x) => `${x.kind}:${x.resultCode}#${x.occurrence}`).join(' ');
        const viol = server.events.violations.map((v) => `${v.code}: ${v.message}`);
        const errLine = r.err.split('\n').filter((l) => /dm-agent:|error/i.test(l))[0] || '';
        if (viol.length) failures++;
        process.stdout.write(
          `${viol.length ? 'VIOL' : 'ok  '} ${scenario.padEnd(17)} auth=${auth.padEnd(5)} ${enc.padEnd(5)} exit=${r.code} sessions=[${s}] ${statuses}${reports ? ` reports=[${reports}]` : ''}${errLine ? `  | ${errLine.trim().slice(0, 120)}` : ''}\n`,
        );
        for (const v of viol) process.stdout.write(`       ${v}\n`);
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
  if (process.argv.indexOf('--story-d') > 0) failures += await storyD(agent, verbose);
  process.stdout.write(`${failures} run(s) with violations\n`);
  process.exitCode = failures ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`conformance: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
