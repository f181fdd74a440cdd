// The main job, end to end, in under a minute: the agent against the bundled reference DM server, a client-initiated
// update that ends in a flashed, verified slot. Device = two file-backed slots and a real U-Boot environment (fw_setenv
// over two env copies); "reboot" = the bootloader simulator picking the slot from that env.
//
//   npx tsx scripts/demo.ts [--runtime node|qjs|exe] [--keep]     (exe: the executable the images ship, host build)
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDmServer } from './server/dm-server.js';
import { exec, replace, uiAlert } from './server/commands.js';
import type { Scenario } from './server/types.js';
import { FwEnv, writeFileEnvConfig } from '../platform/node/flash/fw-env.js';
import { simulateBoot } from '../platform/node/flash/uboot-sim.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runtime = args.includes('--runtime') ? args[args.indexOf('--runtime') + 1] : 'node';
const keep = args.includes('--keep');
const tty = process.stdout.isTTY;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const say = (s = '') => process.stdout.write(s + '\n');

const SLOT_SIZE = 4 * 1024 * 1024;
const NEW_VERSION = '2.4.1';

function firmwareImage(version: string, size: number): Buffer {
  const header = Buffer.from(`DMFW gateway-firmware ${version}\n`);
  return Buffer.concat([header, randomBytes(size - header.length)]);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function agentArgv(): string[] {
  if (runtime === 'node') return [process.execPath, path.join(root, 'dist/node/cli.js')];
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  if (runtime === 'qjs') return [path.join(root, 'build/qjs', arch, 'qjs'), '-m', path.join(root, 'dist/quickjs/dm-agent.js')];
  if (runtime === 'exe') return [path.join(root, 'build/agent', arch, 'dm-agent')];
  throw new Error(`--runtime must be node, qjs or exe, got ${runtime}`);
}

function agent(configFile: string, words: string[]): Promise<{ code: number; out: string; err: string }> {
  const [cmd, ...pre] = agentArgv();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, '--config', configFile, ...words], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code === null ? -1 : code, out, err }));
  });
}

function show(cmd: string, r: { code: number; out: string; err: string }): void {
  say(`  ${dim('$')} ${cmd}`);
  for (const line of r.out.trim().split('\n')) if (line) say(`    ${line}`);
  say(`    ${dim(`(exit status ${r.code})`)}`);
  if (r.code !== 0) {
    say(r.err);
    throw new Error(`${cmd} failed`);
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-demo-'));
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  // The device's sysRoot is `dir`: /etc/version and the kernel boot id live under it (each boot writes a new one; with
  // fumo.reboot [] the agent waits until the boot id changes, since an agent restart is not a reboot).
  mkdirSync(path.join(dir, 'proc/sys/kernel/random'), { recursive: true });
  const slotA = path.join(dir, 'slot-A.img');
  const slotB = path.join(dir, 'slot-B.img');
  const oldImage = firmwareImage('2.4.0', SLOT_SIZE);
  writeFileSync(slotA, oldImage);
  writeFileSync(slotB, Buffer.alloc(SLOT_SIZE));
  // A redundant U-Boot environment in two files, handled by the real fw_printenv/fw_setenv (libubootenv).
  const envConfig = path.join(dir, 'fw_env.config');
  writeFileEnvConfig(envConfig, path.join(dir, 'uboot-env-1.bin'), path.join(dir, 'uboot-env-2.bin'));
  writeFileSync(path.join(dir, 'uboot-env-1.bin'), Buffer.alloc(0x4000, 0xff));
  writeFileSync(path.join(dir, 'uboot-env-2.bin'), Buffer.alloc(0x4000, 0xff));
  const defaultEnv = path.join(dir, 'uboot-default.env');
  writeFileSync(defaultEnv, 'dm_slot=A\ndm_A_ok=1\ndm_B_ok=1\nbootlimit=3\nbootcount=0\nupgrade_available=0\n');
  const env = new FwEnv({ config: envConfig, defaultEnv });
  await env.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '1', bootlimit: '3', bootcount: '0', upgrade_available: '0' });
  const cmdline = path.join(dir, 'cmdline');
  const boot = async () => {
    const r = await simulateBoot(env, cmdline);
    // The booted image's first line carries its version: the device's /etc/version after boot.
    const img = readFileSync(r.slot === 'B' ? slotB : slotA);
    writeFileSync(path.join(dir, 'etc/version'), img.subarray(0, img.indexOf(10)).toString().split(' ')[2] + '\n');
    writeFileSync(path.join(dir, 'proc/sys/kernel/random/boot_id'), `${randomUUID()}\n`);
    return r;
  };
  await boot();

  const image = firmwareImage(NEW_VERSION, 2 * 1024 * 1024 + 12345);
  const imageHash = sha256(image);
  const fwFile = path.join(dir, `gateway-firmware-${NEW_VERSION}.bin`);
  writeFileSync(fwFile, image);

  // Story B of docs/flows.md, with the image's SHA-256 in the FUMO Ext node so the agent verifies before it writes.
  const story: Scenario = {
    name: 'demo-fumo-200',
    requestStatus: (a) => (a.type && /devicerequest$/.test(a.type) ? 202 : 200),
    next(ctx) {
      const wantsUpdate = ctx.alerts.some((a) => a.type === 'org.openmobilealliance.dm.firmwareupdate.userrequest');
      if (ctx.step !== 0 || !wantsUpdate) return [];
      const fw = ctx.firmware()!;
      return [
        uiAlert('1100', 'MINDT=1', `Update found: ${NEW_VERSION}, installing now`),
        replace(
          { uri: './FUMO/DownloadAndUpdate/PkgURL', data: fw.url },
          { uri: './FUMO/PkgName', data: 'gateway-firmware' },
          { uri: './FUMO/PkgVersion', data: NEW_VERSION },
          { uri: './FUMO/Ext/PkgSHA256', data: imageHash },
        ),
        exec('./FUMO/DownloadAndUpdate', ctx.newCorrelator('fumo')),
      ];
    },
  };
  const server = await startDmServer({ port: 0, scenario: story, files: { [path.basename(fwFile)]: fwFile } });
  const config = {
    server: { url: server.url, id: 'dm-agent-reference-server', encoding: 'wbxml' },
    stateDir: path.join(dir, 'state'),
    device: {
      devIdScheme: 'fixed',
      devId: 'MAC:02DEAD00BEEF',
      manufacturer: 'Acme Gateways',
      model: 'GW-100',
      sysRoot: dir,
      firmwareVersion: { file: '/etc/version' },
    },
    fumo: {
      writer: { type: 'uboot-ab', slotA, slotB, envConfig, bootedSlot: 'cmdline', cmdline },
      reboot: [],
      allowHttp: true,
      requireHash: true,
    },
    ui: { mode: 'headless' },
    log: { level: 'warn' },
  };
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  say(bold('dm-agent demo') + dim(`  (runtime: ${runtime}, scratch: ${dir})`));
  say(`device: ${config.device.model} ${config.device.devId}, firmware 2.4.0 in slot A, empty slot B, U-Boot env via fw_setenv`);
  say(`server: reference DM server at ${server.url}, firmware ${NEW_VERSION} (${image.length} bytes, sha256 ${imageHash.slice(0, 16)}...)`);
  say();

  say(bold('1. Scheduled check: the device asks, the server will look later (seed 000: 202)'));
  show('dm-agent request --device', await agent(configFile, ['request', '--device']));
  say();

  say(bold('2. A user presses the button: the server updates in the same session (seed 000: 200)'));
  show('dm-agent request --user', await agent(configFile, ['request', '--user']));
  const e1 = await env.read();
  const slotBAfterWrite = readFileSync(slotB).subarray(0, image.length);
  say(`  slot B sha256 ${sha256(slotBAfterWrite).slice(0, 16)}... ${sha256(slotBAfterWrite) === imageHash ? green('matches the image') : 'DIFFERS'}`);
  say(`  U-Boot env: dm_slot=${e1.dm_slot} dm_B_ok=${e1.dm_B_ok} upgrade_available=${e1.upgrade_available} (trial boot armed)`);
  say();

  say(bold('3. Reboot: the bootloader tries the new slot'));
  const b = await boot();
  say(`  booted slot ${b.slot} (trial ${b.bootcount} of ${e1.bootlimit || 3}), /etc/version now ${readFileSync(path.join(dir, 'etc/version'), 'utf8').trim()}`);
  say();

  say(bold('4. After boot: health check, commit, and the result report (sent until acknowledged, counted once)'));
  show('dm-agent daemon --once', await agent(configFile, ['daemon', '--once']));
  show('dm-agent status', await agent(configFile, ['status']));
  const e2 = await env.read();
  const st = JSON.parse(server.state());
  const reports = st.reports.filter((r: { devId: string }) => r.devId === config.device.devId);
  say();
  say(bold('Result'));
  const ok = e2.dm_slot === 'B' && e2.upgrade_available === '0' && sha256(readFileSync(slotB).subarray(0, image.length)) === imageHash && reports.length === 1;
  say(`  slot B holds firmware ${NEW_VERSION}, verified (sha256 ${imageHash.slice(0, 16)}...), committed: dm_slot=${e2.dm_slot} upgrade_available=${e2.upgrade_available}`);
  say(`  server received ${reports.length} result report(s): ${reports.map((r: { data?: string; type?: string }) => `${r.type} = ${r.data}`).join(', ')}`);
  say(`  ${ok ? green('OK') : 'FAILED'}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  await server.close();
  say();
  // What a newcomer does next: look at the state the agent left, with the same commands a device's operator uses.
  const invocation = agentArgv()
    .map((a) => (a.startsWith(root + '/') ? path.relative(root, a) : a === process.execPath ? 'node' : a))
    .join(' ');
  if (keep) {
    say(bold('Look around') + dim(`  (the scratch dir stays: ${dir})`));
    say(`  ${invocation} --config ${configFile} status --json`);
    say(`  ${invocation} --config ${configFile} info`);
    say(`  ${invocation} --config ${configFile} tree list ./FUMO`);
  } else {
    rmSync(dir, { recursive: true, force: true });
    say(dim('scripts/demo --keep keeps the scratch dir and prints the commands to look at the state the agent left (status, info, tree).'));
  }
  if (!ok) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${(e as Error).stack || e}\n`);
  process.exitCode = 1;
});

