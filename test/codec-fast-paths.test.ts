// Issue 19's fast codec paths give exactly what the paths they replace give, on Node and on QuickJS: the one-pass
// WBXML -> XML bytes, the byte-writing XML serializer and the hand-written XML reader (test/codec-fast-paths-scenario.ts).
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleForQjs, ensureQjs, qjsSkipReason, runQjs, scratchDir } from './support/qjs.js';
import { haveVectors, listVectors, readVector, rel, vectorsMissingReason } from './support/vectors.js';
import { runCodecFastPaths, type ScenarioFile } from './codec-fast-paths-scenario.js';

const noVectors = haveVectors() ? null : vectorsMissingReason();
const skipQjs = qjsSkipReason('host');
const wbxmlPaths = noVectors ? [] : listVectors('', ['.wbxml']);
const xmlPaths = noVectors ? [] : listVectors('', ['.xml', '.ddf']);
const load = (ps: string[]): ScenarioFile[] => ps.map((p) => ({ name: rel(p), bytes: readVector(p) }));

type Answers = ReturnType<typeof runCodecFastPaths>;

function expectClean(a: Answers, wbxmlFiles: number): void {
  expect(a.wbxml.mismatches).toEqual([]);
  expect(a.wbxml.checked).toBe(wbxmlFiles * 13);
  // The one-pass path must carry most of the corpus (not give every document back to the tree path).
  expect(a.wbxml.direct).toBeGreaterThan(wbxmlFiles * 0.8);
  expect(a.writer.mismatches).toEqual([]);
  expect(a.writer.checked).toBe(400);
  expect(a.reader.mismatches).toEqual([]);
  expect(a.reader.same).toBeGreaterThan(a.reader.checked * 0.8);
}

let nodeAnswers: Answers | undefined;
let bundle = '';
let listFile = '';

beforeAll(async () => {
  if (noVectors || skipQjs) return;
  ensureQjs('host');
  const dir = scratchDir('codec-fast-paths');
  bundle = await bundleForQjs('test/codec-fast-paths.qjs-entry.ts', path.join(dir, 'codec-fast-paths.js'));
  listFile = path.join(dir, 'list.json');
  writeFileSync(listFile, JSON.stringify([...wbxmlPaths.map((name) => ({ name, kind: 'wbxml' })), ...xmlPaths.map((name) => ({ name, kind: 'xml' }))]));
}, 900_000);

describe('codec fast paths (issue 19)', () => {
  it.skipIf(!!noVectors)('Node: one-pass WBXML -> XML bytes, byte XML writer and XML reader agree with the paths they replace', () => {
    nodeAnswers = runCodecFastPaths(load(wbxmlPaths), load(xmlPaths));
    expectClean(nodeAnswers, wbxmlPaths.length);
    // Errors name the place and the fault.
    expect(nodeAnswers.reader.messages[0]).toMatch(/^xml-syntax: .*not well-formed XML at line 1, column 23: .&. at "&DR=1" starts no character or entity reference \(write &amp;\)$/);
  });

  it.skipIf(!!noVectors || !!skipQjs)('qjs: the same scenario gives the same answers as on Node', async () => {
    const r = await runQjs('host', bundle, [listFile], { timeoutMs: 600_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const qjs = JSON.parse(r.stdout) as Answers;
    expectClean(qjs, wbxmlPaths.length);
    expect(qjs).toEqual(nodeAnswers || runCodecFastPaths(load(wbxmlPaths), load(xmlPaths)));
  }, 900_000);
});
