// Progress of an update on the command line (issue 21 item 5), the built agent on each runtime against the reference
// DM server: `request --user` makes the server command a 16 MiB firmware update into a file writer, streamed into the
// target (the download) and read back from the medium before activation (docs/update-practice.md §10 step 4).
//   - stderr not a terminal: one line per 10% of the download, exactly 10% … 100%, and the read-back's 100% line
//   - --json: stderr carries JSON lines {"event":"progress",…} with bytes never decreasing per phase, and stdout is
//     still the one result document, parseable on its own
//   - a terminal (a pty from util-linux `script`): the bar is redrawn with carriage returns and ends at 100%
//   - the daemon (a button press on an evdev FIFO starts the request): the same 10% lines, through its log
//   - the read-back reports steps in between, not only its 100% (qjs hashes it in 4 MiB dmnative steps)
// and the same for a SCOMO package download (`request --user --scomo`, the server's scomo-200 scenario, OMA-TS-DM_SCOMO
// -V1_0 DownloadInstall): the package is sent slowly (trickle) so qjs's 100 ms progress ticks see every 10%.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { fumoUserStory } from './support/fumo-story.js';
import { until, wait } from './support/wait.js';
import { startDaemon, type RunningDaemon } from './support/daemon.js';
import { buttonFifo } from './support/button-fifo.js';

const MiB = 1024 * 1024;
const image = randomBytes(16 * MiB);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const PROGRESS_LINE = /^(download|flash|read-back) (\d+)% \(/;

// A SCOMO package of 2 MiB sent at 512 KiB/s (ten writes a second): a 4 s download, 2.5% a write.
const pkg = randomBytes(2 * MiB);

let server: DmServer;
let scomoServer: DmServer;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-progress-srv-'));
  writeFileSync(path.join(dir, 'fw.bin'), image);
  server = await startDmServer({ port: 0, scenario: fumoUserStory({ name: 'progress', hash: sha(image), version: '2.0' }), files: { 'fw.bin': path.join(dir, 'fw.bin') } });
  scomoServer = await startDmServer({
    port: 0,
    scenario: 'scomo-200',
    files: { 'com.example.app-1.1.pkg': new Uint8Array(pkg) },
    faults: { 'com.example.app-1.1.pkg': { trickleBytesPerSec: 512 * 1024 } },
  });
});
afterAll(async () => {
  await server.close();
  await scomoServer.close();
});

let n = 0;
function setup(rt: string, extra: Record<string, unknown> = {}) {
  const c = agentConfig({}, `progress-${rt}`);
  const target = path.join(c.dir, 'fw.img');
  writeFileSync(
    c.config,
    JSON.stringify({
      server: { url: server.url, id: 'dm-agent-reference-server', encoding: 'wbxml' },
      stateDir: c.state,
      device: { devIdScheme: 'fixed', devId: `MAC:0200000021${(++n).toString(16).padStart(2, '0').toUpperCase()}` },
      fumo: { writer: { type: 'file', path: target }, reboot: [], allowHttp: true, requireHash: true },
      ui: { mode: 'headless' },
      ...extra,
    }),
  );
  return { config: c.config, target, dir: c.dir };
}

/** A SCOMO device: one deployed component (a manifest) and a script installer that keeps the package it got. */
function setupScomo(rt: string, extra: Record<string, unknown> = {}) {
  const c = agentConfig({}, `progress-scomo-${rt}`);
  const manifests = path.join(c.dir, 'components');
  mkdirSync(manifests);
  writeFileSync(path.join(manifests, 'app.json'), JSON.stringify({ id: 'com.example.app', name: 'com.example.app', version: '1.0' }));
  const installed = path.join(c.dir, 'installed.pkg');
  const script = path.join(c.dir, 'installer.sh');
  writeFileSync(script, `#!/bin/sh\nset -e\ncase "$1" in\n  install) cp "$SCOMO_PKG_PATH" "${installed}"; echo component=com.example.app ;;\n  *) exit 0 ;;\nesac\n`);
  chmodSync(script, 0o755);
  writeFileSync(
    c.config,
    JSON.stringify({
      server: { url: scomoServer.url, id: 'dm-agent-reference-server', encoding: 'wbxml' },
      stateDir: c.state,
      device: { devIdScheme: 'fixed', devId: `MAC:0200000022${(++n).toString(16).padStart(2, '0').toUpperCase()}` },
      scomo: { enabled: true, inventory: { dpkg: false, opkg: false, manifests }, installer: { type: 'script', script }, allowHttp: true },
      ui: { mode: 'headless' },
      ...extra,
    }),
  );
  return { config: c.config, installed };
}

/** JSON progress events of a --json run's stderr. */
const jsonEvents = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string; phase: string; bytes: number; total?: number; percent?: number });

/** The percents of one phase's lines, in order (`logged`: lines of the daemon's log, after its time and level). */
const percents = (stderr: string, phase: string, logged = false) =>
  stderr
    .split('\n')
    .map((l) => PROGRESS_LINE.exec(logged ? l.replace(/^\S+ info\s+/, '') : l))
    .filter((m): m is RegExpExecArray => !!m && m[1] === phase)
    .map((m) => Number(m[2]));

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The button trigger on an evdev FIFO (test/e2e-daemon.test.ts does the same). */
const buttonOn = (fifo: string) => ({ device: fifo, keyCode: 256, wordSize: 8, debounceMs: 0, minIntervalMs: 0 });

/** Starts the daemon, presses the button once it is ready, and returns its stderr once `line` shows there. */
async function daemonPress(rt: AgentRuntime, config: string, fifo: string, line: RegExp): Promise<string> {
  const button = buttonFifo(fifo);
  let daemon: RunningDaemon | undefined;
  try {
    daemon = await startDaemon(rt, ['--config', config], 120_000);
    await button.press();
    const log = daemon.log;
    await until(String(line), () => line.test(log()), { ms: 120_000, detail: () => log().slice(-2000) });
  } finally {
    if (daemon) expect(await daemon.stop(), daemon.log().slice(-2000)).toBe(0);
    button.close();
  }
  return daemon.log();
}

/**
 * The SCOMO download's 10% lines. On QuickJS the package's size is looked at every 100 ms while curl writes it (a
 * tenth takes 400 ms at the trickle's rate), so a look that comes late on a loaded machine may skip one tenth: the
 * lines are tenths, rising, ending at 100%, and at most two are missing.
 */
function expectTenths(seen: number[]): void {
  expect(seen.every((p) => p % 10 === 0 && p > 0)).toBe(true);
  for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
  expect(seen[seen.length - 1]).toBe(100);
  expect(seen.length).toBeGreaterThanOrEqual(8);
}

for (const rt of ['node', 'qjs', 'qjs-exe'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`update progress on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('not a terminal: a line at each 10% of the download, and the read-back reaches 100%', async () => {
      const s = setup(rt);
      const r = await runAgent(rt, ['--config', s.config, 'request', '--user'], { timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(sha(readFileSync(s.target))).toBe(sha(image));
      expect(percents(r.stderr, 'download')).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      const readBack = percents(r.stderr, 'read-back');
      // Node hashes the read-back in 1 MiB direct reads, qjs in 4 MiB dmnative steps; each step is reported.
      expect(readBack[readBack.length - 1]).toBe(100);
      expect(readBack).toEqual([...new Set(readBack)].sort((a, b) => a - b));
      expect(readBack.filter((p) => p < 100).length, `read-back lines ${readBack.join(', ')}`).toBeGreaterThanOrEqual(2);
      expect(r.stderr).toMatch(/^download 100% \(16\.0 of 16\.0 MiB, [\d.]+ [KM]iB\/s, ETA 0 s\)$/m);
      expect(r.stdout).not.toMatch(PROGRESS_LINE); // stdout stays the command's own lines
    }, 240_000);

    it('--json: progress events are JSON lines on stderr, the result the one document on stdout', async () => {
      const s = setup(rt);
      const r = await runAgent(rt, ['--json', '--config', s.config, 'request', '--user'], { timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result).toMatchObject({ ok: true, status: 200 });
      const events = jsonEvents(r.stderr);
      expect(events.every((e) => e.event === 'progress')).toBe(true);
      const download = events.filter((e) => e.phase === 'download');
      expect(download.length).toBeGreaterThanOrEqual(10);
      for (let i = 1; i < download.length; i++) expect(download[i].bytes).toBeGreaterThanOrEqual(download[i - 1].bytes);
      expect(download[download.length - 1]).toMatchObject({ bytes: image.length, total: image.length, percent: 100 });
      const readBack = events.filter((e) => e.phase === 'read-back');
      expect(readBack[readBack.length - 1]).toMatchObject({ bytes: image.length, percent: 100 });
      expect(readBack.filter((e) => e.bytes > 0 && e.bytes < image.length).length, 'read-back events between 0 and the end').toBeGreaterThanOrEqual(2);
    }, 240_000);

    it.skipIf(!hasScript)('a terminal: the bar is redrawn in place and ends on a 100% line', async () => {
      const s = setup(rt);
      const cmd = [...agentCommand(rt), '--config', s.config, 'request', '--user'].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      // `script` runs the agent on a pty (stdin, stdout and stderr), and copies what it printed to our pipe.
      // Its stdin is /dev/null: with a pipe there, script ends when the pipe closes, before the agent is done. Run
      // asynchronously: the reference server answers from this process.
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'] });
        const chunks: Buffer[] = [];
        const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
        child.stdout.on('data', (b: Buffer) => chunks.push(b));
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('latin1');
          if (code === 0) resolve(text);
          else reject(new Error(`script exited ${code}: ${text.slice(-2000)}`));
        });
      });
      const redraws = out.split('\r').filter((p) => /^\[[#-]+\] download \d+%/.test(p));
      expect(redraws.length).toBeGreaterThanOrEqual(1);
      expect(out).toMatch(/\r\[#+\] download 100% \(16\.0 of 16\.0 MiB, [^)]*ETA 0 s\) *\r?\n/);
      expect(out).toMatch(/\r\[#+\] read-back 100% /);
      expect(sha(readFileSync(s.target))).toBe(sha(image));
    }, 240_000);
    it('the daemon logs a line at each 10% of the download (a button press starts the request)', async () => {
      const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'dm-progress-btn-')), 'event0');
      const s = setup(rt, { triggers: { button: buttonOn(fifo) }, log: { level: 'info' } });
      const err = await daemonPress(rt, s.config, fifo, /read-back 100% /);
      expect(percents(err, 'download', true)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      expect(sha(readFileSync(s.target))).toBe(sha(image));
    }, 240_000);

    it('SCOMO, not a terminal: the package download shows a line at each 10%, like a firmware download', async () => {
      const s = setupScomo(rt);
      const r = await runAgent(rt, ['--config', s.config, 'request', '--user', '--scomo'], { timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(sha(readFileSync(s.installed))).toBe(sha(pkg));
      expectTenths(percents(r.stderr, 'download'));
      expect(r.stderr).toMatch(/^download 100% \(2\.0 of 2\.0 MiB, [\d.]+ [KM]iB\/s, ETA 0 s\)$/m);
      expect(r.stdout).not.toMatch(PROGRESS_LINE);
    }, 240_000);

    it('SCOMO --json: download events carry the package size as total, the result stays one document', async () => {
      const s = setupScomo(rt);
      const r = await runAgent(rt, ['--json', '--config', s.config, 'request', '--user', '--scomo'], { timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, status: 200 });
      const events = jsonEvents(r.stderr);
      expect(events.every((e) => e.event === 'progress' && e.phase === 'download')).toBe(true);
      expect(events.length).toBeGreaterThanOrEqual(10);
      for (let i = 1; i < events.length; i++) expect(events[i].bytes).toBeGreaterThanOrEqual(events[i - 1].bytes);
      expect(events.filter((e) => e.total !== pkg.length)).toEqual([]);
      expect(events[events.length - 1]).toMatchObject({ bytes: pkg.length, total: pkg.length, percent: 100 });
      expect(sha(readFileSync(s.installed))).toBe(sha(pkg));
    }, 240_000);

    it('SCOMO in the daemon: a button press asking for components logs a line at each 10% of the package download', async () => {
      const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'dm-progress-btn-')), 'event0');
      const s = setupScomo(rt, { triggers: { button: buttonOn(fifo) }, request: { triggerTargets: ['scomo'] }, log: { level: 'info' } });
      // The trigger is logged once its request (the session, the download and the install in it) is over.
      const err = await daemonPress(rt, s.config, fifo, /trigger: \S+ scomo request answered/);
      expectTenths(percents(err, 'download', true));
      expect(sha(readFileSync(s.installed))).toBe(sha(pkg));
    }, 240_000);
  });
}
