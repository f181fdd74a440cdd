// The command line's own words (README.md, Command line): `--version`/`-V`, `dm-agent help COMMAND` and `COMMAND --help`
// listing every option the parser accepts (one table: src/cli/command-table.ts), only commands that exist in the
// messages, and output to a pipe whose reader went away: dropped quietly, exit status the command's own. The built
// agent on Node, on host qjs and as the bytecode executable the images ship.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentCommand, agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { repoRoot } from './support/qjs.js';
import { COMMANDS, parseArgs, parsedOptions, UsageError } from '../src/cli/args.js';
import { COMMAND_TABLE } from '../src/cli/command-table.js';
import { commandHelp, HELP } from '../src/cli/help.js';
import { xmlToWbxml } from '../src/syncml/index.js';
import { manPage } from '../scripts/man-page.js';

const runtimes: AgentRuntime[] = ['node', 'qjs', 'qjs-exe'];
const VERSION = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The commands the top-level help lists under "Commands:". */
function helpCommands(help: string): string[] {
  const section = help.split('\nCommands:\n')[1].split('\n\n')[0];
  return section.split('\n').filter((l) => /^ {2}[a-z]/.test(l)).map((l) => l.trim().split(' ')[0]);
}

describe('help and parser from one table', () => {
  it('every option a command parses is in its help, and the parser takes every option its help names', () => {
    for (const command of COMMANDS) {
      const help = commandHelp(command)!;
      const { values, flags } = parsedOptions(command);
      for (const name of values) {
        expect(help, `${command} --${name}`).toMatch(new RegExp(`^  --${name} \\S`, 'm'));
        expect(parseArgs([command, `--${name}`, 'x']).options[name]).toBe('x');
      }
      for (const name of flags) {
        expect(help, `${command} --${name}`).toMatch(new RegExp(`^  --${name}( |$)`, 'm'));
        expect(parseArgs([command, `--${name}`]).options[name]).toBe(true);
      }
      // The other way round: each option line of the help is one the parser accepts.
      const documented = [...help.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
      expect(documented.sort(), command).toEqual([...values, ...flags].sort());
      expect(() => parseArgs([command, '--not-an-option'])).toThrow(UsageError);
    }
  });

  it('help for a command in each of its three spellings; help of a missing command is a usage error', () => {
    for (const argv of [['help', 'tree'], ['tree', '--help'], ['--help', 'tree'], ['tree', 'list', '-h']]) expect(parseArgs(argv).helpFor, argv.join(' ')).toBe('tree');
    expect(parseArgs(['help']).helpFor).toBeUndefined();
    expect(parseArgs(['help']).global.help).toBe(true);
    expect(() => parseArgs(['help', 'report'])).toThrow(/no command "report" to help with/);
  });

  it('the commands the help lists, the parser knows and the unknown-command message names are the same', () => {
    expect(helpCommands(HELP)).toEqual(COMMANDS);
    expect(COMMAND_TABLE.map((c) => c.name)).toEqual(COMMANDS);
    let message = '';
    try {
      parseArgs(['reprot']);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^unknown command "reprot" \(commands: (.*)\)$/);
    expect(/\(commands: (.*)\)$/.exec(message)![1].split(', ')).toEqual(COMMANDS);
  });

  it('the man page lists every command and option and renders without a groff warning', () => {
    const page = manPage(VERSION, '2026-01-01');
    for (const c of COMMAND_TABLE) {
      expect(page).toContain(`.SS "${c.name}`);
      for (const o of c.options) expect(page, `${c.name} --${o.name}`).toContain(`\\fB\\-\\-${o.name.replace(/-/g, '\\-')}\\fR`);
    }
    const groff = spawnSync('groff', ['--version']);
    if (groff.status !== 0) return; // groff not installed: the text checks above still ran
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
  });
});

/** Runs the agent with stdout into `reader` (a shell command); resolves to the agent's own exit status and stderr. */
function runIntoPipe(rt: AgentRuntime, args: string[], reader: string, stderrToo = false): { code: number; stderr: string } {
  const script = `"$@" ${stderrToo ? '2>&1 ' : ''}| ${reader}; exit "\${PIPESTATUS[0]}"`;
  const r = spawnSync('bash', ['-c', script, 'bash', ...agentCommand(rt), ...args], { cwd: repoRoot, timeout: 60_000 });
  return { code: r.status === null ? -1 : r.status, stderr: r.stderr.toString() };
}

for (const rt of runtimes) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`command line words on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);
    const runtime = rt === 'node' ? 'node' : 'quickjs';

    it('--version and -V print "dm-agent VERSION (RUNTIME)" and exit 0', async () => {
      for (const flag of ['--version', '-V']) {
        const r = await runAgent(rt, [flag]);
        expect(r.stdout, flag).toBe(`dm-agent ${VERSION} (${runtime})\n`);
        expect(r.code).toBe(0);
      }
    });

    it('help COMMAND and COMMAND --help print the same usage with every option; help of a missing command is exit 2', async () => {
      for (const c of COMMAND_TABLE) {
        const a = await runAgent(rt, ['help', c.name]);
        const b = await runAgent(rt, [c.name, '--help']);
        expect(a.code, c.name).toBe(0);
        expect(b.code, c.name).toBe(0);
        expect(a.stdout).toBe(b.stdout);
        expect(a.stdout).toContain(`Usage: dm-agent [global options] ${c.name}`);
        for (const o of c.options) expect(a.stdout, `${c.name} --${o.name}`).toContain(`  --${o.name}`);
      }
      const top = await runAgent(rt, ['help']);
      expect(top.code).toBe(0);
      expect(helpCommands(top.stdout)).toEqual(COMMANDS);
      const missing = await runAgent(rt, ['help', 'report']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('no command "report" to help with');
      const unknown = await runAgent(rt, ['report']);
      expect(unknown.code).toBe(2);
      expect(/\(commands: (.*)\)/.exec(unknown.stderr)![1].split(', ')).toEqual(COMMANDS);
    });

    it('output into a pipe closed early ends quietly with the command\'s own exit status (0)', () => {
      const c = agentConfig({ server: { url: 'http://127.0.0.1:9/dm' }, device: { devIdScheme: 'fixed', devId: 'MAC:020000000C21' } }, `pipe-${rt}`);
      // A reader that is gone before the agent writes its first line: every write meets a closed pipe.
      const tree = runIntoPipe(rt, ['--config', c.config, 'tree', 'list', '.'], 'true');
      expect(tree.stderr).toBe('');
      expect(tree.code).toBe(0);
      // head -c 1 reads one byte of a 250 KiB document (one line) and leaves: the rest cannot fit the pipe's 64 KiB buffer.
      const items = Array.from({ length: 3000 }, (_, i) => `<Item><Source><LocURI>./Vendor/Node${i}</LocURI></Source><Data>value ${i}</Data></Item>`).join('');
      const xml =
        '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
        '<Target><LocURI>http://127.0.0.1/dm</LocURI></Target><Source><LocURI>IMEI:1</LocURI></Source></SyncHdr>' +
        `<SyncBody><Results><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>1</CmdRef>${items}</Results><Final/></SyncBody></SyncML>`;
      const file = path.join(c.dir, 'big.wbxml');
      writeFileSync(file, xmlToWbxml(xml, { version: '1.2', stringTable: false, publicId: 'numeric' }));
      const decode = runIntoPipe(rt, ['wbxml', 'decode', file], 'head -c 1 >/dev/null');
      expect(decode.stderr).toBe('');
      expect(decode.code).toBe(0);
      // stderr into the same closed pipe: a usage error keeps its exit status 2.
      const usage = runIntoPipe(rt, ['report'], 'true', true);
      expect(usage.code).toBe(2);
    });
  });
}
