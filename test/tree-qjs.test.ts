// The tree, DurableStore (SHA-256 from @noble/hashes) and the standard MOs on QuickJS 2021-03-27: the same
// scenario must give the same answers as on Node.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleForQjs, ensureQjs, qjsSkipReason, runQjs, scratchDir } from './support/qjs.js';
import { runTreeScenario } from './tree-scenario.js';

const skip = qjsSkipReason('host');
if (skip) console.warn(`[tree on qjs] skipped: ${skip}`);
let bundle = '';

beforeAll(async () => {
  if (skip) return;
  ensureQjs('host');
  bundle = await bundleForQjs('test/tree.qjs-entry.ts', path.join(scratchDir('tree'), 'tree.js'));
}, 900_000);

describe('DM tree on QuickJS', () => {
  it('the scenario gives the expected answers on Node', async () => {
    const out = await runTreeScenario();
    expect(out[2]).toBe(200);
    expect(out[3]).toEqual({ status: 200, items: [['./Vendor/Ext/%C3%A9t%C3%A9?prop=Size', 'int', '4']] });
    expect(out[4]).toEqual({ status: 200, items: [['./Vendor/Ext?prop=TStamp', 'chr', '20251122T042100Z']] });
    expect(out.slice(5, 11)).toEqual([200, 216, 404, ['dm-tree'], ['https://dm.example.com/dm', 'md5', 'gw', [1, 2, 250]], 400]);
    // TNDS: one MgmtTree item in each form, the Add 200, the bad Add 418 with nothing of it kept, the Replace 200.
    const [xml, wbxml] = out.slice(11, 13) as { status: number; items: [string, string, string][] }[];
    expect(xml.status).toBe(200);
    expect(xml.items[0][0]).toBe('./DevInfo?list=TNDS+Format+Value');
    expect(xml.items[0][2]).toMatch(/^<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2<\/VerDTD><Node><NodeName>DevInfo<\/NodeName><Path>.<\/Path>/);
    expect(xml.items[0][2]).toContain('<Node><NodeName>Man</NodeName><RTProperties><Format><chr/></Format></RTProperties><Value>Acme</Value></Node>');
    expect([wbxml.status, wbxml.items[0][1], wbxml.items[0][2].slice(0, 4)]).toEqual([200, 'bin', 'b64:']);
    expect(out.slice(13)).toEqual([
      200,
      418,
      {
        status: 200,
        items: [
          ['./Vendor/Ext/Box/Demo', 'node', undefined],
          ['./Vendor/Ext/Box/Demo/N', 'int', '42'],
          ['./Vendor/Ext/Box/Demo/Sub', 'node', undefined],
          ['./Vendor/Ext/Box/Demo/Sub/T', 'chr', 'caf\u00e9 & co'],
        ],
      },
      200,
      { status: 200, items: [['./Vendor/Ext/Box/Demo/N', 'int', '43']] },
    ]);
  });

  it.skipIf(!!skip)('qjs gives the same answers as Node', async () => {
    const r = await runQjs('host', bundle); // await: fine whether the helper is sync or async
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(await runTreeScenario())));
  });
});
