// The QuickJS bundle loads and behaves like the Node build: a dependency that breaks on QuickJS 2021-03-27 (as
// fast-xml-parser 5.x does) fails here first. Same output on both runtimes for the same input.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { repoRoot } from './support/qjs.js';

const sample = `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>http://s</LocURI></Target><Source><LocURI>IMEI:1</LocURI></Source><Meta><MaxMsgSize xmlns="syncml:metinf">16384</MaxMsgSize></Meta></SyncHdr><SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert><Final/></SyncBody></SyncML>`;

const runtimes: AgentRuntime[] = ['node', 'qjs'];

describe('QuickJS bundle', () => {
  beforeAll(() => {
    for (const rt of runtimes) if (!runtimeSkipReason(rt)) prepareRuntime(rt);
  }, 900_000);
  it('has no shebang, is one ES module, and imports nothing but the qjs modules', () => {
    const text = readFileSync(path.join(repoRoot, 'dist/quickjs/dm-agent.js'), 'utf8');
    expect(text.startsWith('#!')).toBe(false);
    const imports = [...text.matchAll(/\bfrom\s*"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] || m[2]);
    for (const i of imports) expect(['std', 'os', 'dmnative']).toContain(i);
  });

  for (const rt of runtimes) {
    const skip = runtimeSkipReason(rt);
    it.skipIf(!!skip)(`${rt}: --version, --help and usage errors${skip ? ` (skipped: ${skip})` : ''}`, async () => {
      const v = await runAgent(rt, ['--version']);
      expect(v.code).toBe(0);
      expect(v.stdout).toMatch(/^dm-agent \d+\.\d+\.\d+/);
      const h = await runAgent(rt, ['--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toContain('Exit status:');
      const bad = await runAgent(rt, ['request', '--frob']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('unknown option --frob');
    });
  }

  it.skipIf(!!runtimeSkipReason('qjs'))('wbxml encode and decode give the same bytes and text on Node and qjs', async () => {
    const outs: Record<string, { enc: string; dec: string }> = {};
    for (const rt of runtimes) {
      const enc = await runAgent(rt, ['wbxml', 'encode', '-'], { input: sample });
      expect(enc.code).toBe(0);
      const bytes = Buffer.from(enc.stdout, 'latin1');
      expect(bytes[0]).toBe(0x02); // WBXML 1.2
      expect(bytes.subarray(1, 3)).toEqual(Buffer.from([0xa4, 0x01])); // public id 0x1201
      const dec = await runAgent(rt, ['wbxml', 'decode', '-'], { input: bytes });
      expect(dec.code).toBe(0);
      expect(dec.stdout).toContain('<Data>1201</Data>');
      outs[rt] = { enc: enc.stdout, dec: dec.stdout };
    }
    expect(outs.qjs).toEqual(outs.node);
  });

  it.skipIf(!!runtimeSkipReason('qjs'))('malformed WBXML input exits 8 with the byte offset on both runtimes', async () => {
    for (const rt of runtimes) {
      const r = await runAgent(rt, ['wbxml', 'decode', '-'], { input: Buffer.from([0x02, 0xa4, 0x01, 0x6a, 0x00, 0x6d, 0x6c, 0x71, 0x03, 0x31]) });
      expect(r.code).toBe(8);
      expect(r.stderr).toMatch(/offset|byte/i);
    }
  });
});
