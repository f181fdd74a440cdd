import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeFileStorage } from '../platform/node/storage.js';
import type { Log, LogLevel, Storage } from '../src/ports/runtime.js';
import { DurableStore, StateCorruptError, StateNameError } from '../src/state/durable-store.js';
import { openDocument, sealDocument, StateFormatError } from '../src/state/envelope.js';
import { MemoryStorage } from '../src/state/memory-storage.js';
import { DmTree } from '../src/tree/dm-tree.js';
import { TreeStateError } from '../src/tree/serialize.js';

class ListLog implements Log {
  lines: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] = [];
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level, message, fields });
  }
}

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'dm-state-'));
  dirs.push(d);
  return d;
}

describe('state envelope', () => {
  it('round-trips a document and detects a changed payload', () => {
    const sealed = sealDocument({ a: 1, s: 'été' });
    expect(openDocument(sealed)).toEqual({ a: 1, s: 'été' });
    const text = new TextDecoder().decode(sealed).replace('"a\\":1', '"a\\":2');
    expect(() => openDocument(new TextEncoder().encode(text))).toThrow(/checksum mismatch/);
  });

  it('refuses another format version with a clear error', () => {
    const env = JSON.parse(new TextDecoder().decode(sealDocument(1)));
    env.dmAgentState = 2;
    expect(() => openDocument(new TextEncoder().encode(JSON.stringify(env)))).toThrow(StateFormatError);
    expect(() => openDocument(new TextEncoder().encode(JSON.stringify(env)))).toThrow(/format 2/);
  });
});

// The same behaviour over the in-memory port and the real Node file adapter.
const backends: [string, () => { storage: Storage; corrupt: (name: string, how: 'truncate' | 'flip' | 'garbage') => void }][] = [
  [
    'MemoryStorage',
    () => {
      const storage = new MemoryStorage();
      return {
        storage,
        corrupt(name, how) {
          const b = storage.files.get(name)!;
          if (how === 'truncate') storage.files.set(name, b.slice(0, Math.floor(b.length / 2)));
          else if (how === 'flip') {
            const c = b.slice();
            c[Math.floor(c.length * 0.7)] ^= 0x01;
            storage.files.set(name, c);
          } else storage.files.set(name, new Uint8Array([0, 1, 2]));
        },
      };
    },
  ],
  [
    'NodeFileStorage',
    () => {
      const dir = tempDir();
      return {
        storage: new NodeFileStorage(dir),
        corrupt(name, how) {
          const file = path.join(dir, name);
          const b = readFileSync(file);
          if (how === 'truncate') writeFileSync(file, b.subarray(0, Math.floor(b.length / 2)));
          else if (how === 'flip') {
            b[Math.floor(b.length * 0.7)] ^= 0x01;
            writeFileSync(file, b);
          } else writeFileSync(file, Buffer.from([0, 1, 2]));
        },
      };
    },
  ],
];

describe.each(backends)('DurableStore over %s', (_name, make) => {
  it('gets null for a document never stored, then what was put', async () => {
    const { storage } = make();
    const store = new DurableStore(storage);
    expect(await store.get('nonces')).toBeNull();
    await store.put('nonces', { n: [1, 2, 3] });
    expect(await new DurableStore(storage).get('nonces')).toEqual({ n: [1, 2, 3] });
    expect(await store.names()).toEqual(['nonces']);
  });

  it('keeps the previous good copy as <name>.prev', async () => {
    const { storage } = make();
    const store = new DurableStore(storage);
    await store.put('doc', { v: 1 });
    expect(openDocument((await storage.read('doc.prev'))!)).toEqual({ v: 1 }); // a new document: .prev first
    await store.put('doc', { v: 2 });
    expect((await storage.list()).sort()).toEqual(['doc', 'doc.prev']);
    expect(openDocument((await storage.read('doc.prev'))!)).toEqual({ v: 1 });
    // A fresh store (after a restart) also rotates from what is on disk.
    await new DurableStore(storage).put('doc', { v: 3 });
    expect(openDocument((await storage.read('doc.prev'))!)).toEqual({ v: 2 });
  });

  it.each(['truncate', 'flip', 'garbage'] as const)('recovers from .prev when the current copy is damaged (%s), logs and reports it', async (how) => {
    const { storage, corrupt } = make();
    await new DurableStore(storage).put('doc', { v: 1 });
    await new DurableStore(storage).put('doc', { v: 2, pad: 'x'.repeat(200) });
    corrupt('doc', how);
    const log = new ListLog();
    const store = new DurableStore(storage, log);
    expect(await store.get('doc')).toEqual({ v: 1 });
    expect(store.recoveries()).toHaveLength(1);
    expect(store.recoveries()[0]).toMatchObject({ name: 'doc', recoveredFrom: 'prev' });
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    // The damaged copy was repaired, so the next put keeps a good .prev.
    await store.put('doc', { v: 3 });
    expect(await new DurableStore(storage).get('doc')).toEqual({ v: 3 });
    expect(openDocument((await storage.read('doc.prev'))!)).toEqual({ v: 1 });
  });

  it('never resets silently: both copies damaged is a StateCorruptError', async () => {
    const { storage, corrupt } = make();
    const store = new DurableStore(storage);
    await store.put('doc', { v: 1 });
    await store.put('doc', { v: 2 });
    corrupt('doc', 'flip');
    corrupt('doc.prev', 'truncate');
    await expect(new DurableStore(storage).get('doc')).rejects.toThrow(StateCorruptError);
    // A document written once already has a .prev (the first put writes it first), so it recovers...
    await store.put('single', { v: 1 });
    corrupt('single', 'garbage');
    expect(await new DurableStore(storage).get('single')).toEqual({ v: 1 });
    // ...and a damaged current copy without any .prev is an error.
    corrupt('single', 'garbage');
    await storage.remove('single.prev');
    await expect(new DurableStore(storage).get('single')).rejects.toThrow(/no single\.prev/);
  });

  it('with setAside: damaged copies are kept as *.corrupt-<time>, a document with no good copy is set aside as absent', async () => {
    const { storage, corrupt } = make();
    const now = () => 1700000000000;
    await new DurableStore(storage).put('doc', { v: 1 });
    await new DurableStore(storage).put('doc', { v: 2 });
    // Current copy damaged: recovered from .prev, and the damaged bytes are kept before the repair overwrites them.
    corrupt('doc', 'flip');
    const damaged = await storage.read('doc');
    const log = new ListLog();
    const store = new DurableStore(storage, log, { setAside: { now } });
    expect(await store.get('doc')).toEqual({ v: 1 });
    expect(await storage.read('doc.corrupt-1700000000000')).toEqual(damaged);
    expect(store.recoveries()).toEqual([expect.objectContaining({ name: 'doc', recoveredFrom: 'prev', keptAs: ['doc.corrupt-1700000000000'] })]);
    // Both copies damaged: kept, removed, answered as never stored (no StateCorruptError), logged at error level.
    await store.put('doc', { v: 3 });
    corrupt('doc', 'truncate');
    corrupt('doc.prev', 'garbage');
    const later = () => 1700000000001;
    const log2 = new ListLog();
    const store2 = new DurableStore(storage, log2, { setAside: { now: later } });
    expect(await store2.get('doc')).toBeNull();
    expect(store2.recoveries()).toEqual([
      expect.objectContaining({ name: 'doc', recoveredFrom: 'set-aside', keptAs: ['doc.corrupt-1700000000001', 'doc.prev.corrupt-1700000000001'] }),
    ]);
    expect(log2.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([expect.stringMatching(/doc is unreadable .* set aside/)]);
    expect(await storage.read('doc.prev.corrupt-1700000000001')).toEqual(new Uint8Array([0, 1, 2]));
    expect((await storage.list()).filter((f) => f === 'doc' || f === 'doc.prev')).toEqual([]);
    // The kept copies are not documents, and the name is usable again.
    expect(await store2.names()).toEqual([]);
    await store2.put('doc', { v: 4 });
    expect(await new DurableStore(storage).get('doc')).toEqual({ v: 4 });
    // Without the option the old rule holds: both copies bad is a StateCorruptError.
    corrupt('doc', 'garbage');
    corrupt('doc.prev', 'garbage');
    await expect(new DurableStore(storage).get('doc')).rejects.toThrow(StateCorruptError);
  });

  it('with setAside and no room to keep the damaged copies: still answers (logged), leaves the files in place', async () => {
    const { storage, corrupt } = make();
    await new DurableStore(storage).put('doc', { v: 1 });
    await new DurableStore(storage).put('doc', { v: 2 });
    corrupt('doc', 'garbage');
    corrupt('doc.prev', 'truncate');
    const full: Storage = {
      read: (n) => storage.read(n),
      remove: (n) => storage.remove(n),
      list: () => storage.list(),
      writeAtomic: async (n, d) => {
        if (n.indexOf('.corrupt-') >= 0) throw new Error('ENOSPC: no space left on device');
        return storage.writeAtomic(n, d);
      },
    };
    const log = new ListLog();
    const store = new DurableStore(full, log, { setAside: { now: () => 5 } });
    expect(await store.get('doc')).toBeNull();
    expect(log.lines.map((l) => l.message)).toEqual(['could not keep a damaged state file for inspection', expect.stringMatching(/could not be kept and set aside/)]);
    expect((await storage.list()).sort()).toEqual(['doc', 'doc.prev']);
    await store.put('doc', { v: 3 });
    expect(await new DurableStore(storage).get('doc')).toEqual({ v: 3 });
  });

  it('refuses names that are paths', async () => {
    const store = new DurableStore(make().storage);
    await expect(store.put('../etc/passwd', {})).rejects.toThrow(StateNameError);
    await expect(store.get('a.prev')).rejects.toThrow(StateNameError);
  });
});

describe('NodeFileStorage', () => {
  it('leaves no temporary files behind and lists only documents', async () => {
    const dir = tempDir();
    const s = new NodeFileStorage(path.join(dir, 'state'));
    expect(await s.list()).toEqual([]);
    await s.writeAtomic('a', new Uint8Array([1]));
    await s.writeAtomic('a', new Uint8Array([2]));
    expect(readdirSync(path.join(dir, 'state'))).toEqual(['a']);
    expect(await s.read('a')).toEqual(new Uint8Array([2]));
    await s.remove('a');
    await s.remove('a');
    expect(await s.read('a')).toBeNull();
    await expect(s.read('../x')).rejects.toThrow(/plain file name/);
  });
});

describe('DM tree persistence', () => {
  it('round-trips static nodes, properties, bytes, overlays and agent data', async () => {
    const storage = new MemoryStorage();
    const t = new DmTree({ store: new DurableStore(storage), now: () => 1_700_000_000_000 });
    t.ensureInterior('./DMAcc/srv', { acl: 'Get=srv&Replace=srv', type: 'urn:oma:mo:oma-dm-dmacc:1.0' });
    t.setValue('./DMAcc/srv/AppAuth/c/AAuthData', { format: 'bin', data: new Uint8Array([0, 255, 7]) }, { accessTypes: ['Replace'] });
    t.setValue('./DMAcc/srv/Name', { format: 'chr', data: 'Srv' }, { title: 'name', permanent: true });
    t.setAgentData('fingerprint', 'abc');
    t.mount('./Live', { stat: async (p) => (p.length ? null : { kind: 'interior' }), list: async () => [], read: async () => ({}) });
    await t.replace('./Live?prop=ACL', { data: 'Get=*' }, { serverId: 'x' }); // root default: no Replace -> 425, nothing stored
    expect(await t.replace('./Live?prop=Title', { data: 'ignored' }, { serverId: 'x' })).toBe(425);
    await t.save();
    expect(t.isDirty).toBe(false);

    const u = new DmTree({ store: new DurableStore(storage) });
    await u.load();
    const ctx = { serverId: 'srv' };
    expect(await u.get('./DMAcc/srv?list=StructData', ctx)).toEqual(await t.get('./DMAcc/srv?list=StructData', ctx));
    expect(await u.getValue('./DMAcc/srv/AppAuth/c/AAuthData')).toEqual({ format: 'bin', data: new Uint8Array([0, 255, 7]) });
    expect((await u.get('./DMAcc/srv/AppAuth/c/AAuthData', ctx)).status).toBe(405);
    expect((await u.get('./DMAcc/srv?prop=Type', ctx)).items[0].data).toBe('urn:oma:mo:oma-dm-dmacc:1.0');
    expect((await u.get('./DMAcc/srv/Name?prop=Title', ctx)).items[0].data).toBe('name');
    expect(await u.delete('./DMAcc/srv/Name', ctx)).toBe(405);
    expect((await u.get('./DMAcc/srv/Name?prop=TStamp', ctx)).items[0].data).toBe('20231114T221320Z');
    expect(u.getAgentData('fingerprint')).toBe('abc');
    expect(await u.exists('./Live')).toBe(false); // plugin subtrees are not stored
  });

  it('a tree saved after corruption of its file loads from .prev, and an unknown tree format is refused', async () => {
    const storage = new MemoryStorage();
    const t = new DmTree({ store: new DurableStore(storage) });
    t.setValue('./A', { data: 'one' });
    await t.save();
    t.setValue('./A', { data: 'two' });
    await t.save();
    const b = storage.files.get('dm-tree')!;
    storage.files.set('dm-tree', b.slice(0, b.length - 10));
    const store = new DurableStore(storage);
    const u = new DmTree({ store });
    await u.load();
    expect((await u.getValue('./A'))!.data).toBe('one');
    expect(store.recoveries().map((r) => r.name)).toEqual(['dm-tree']);

    await store.put('dm-tree', { treeFormat: 99, root: {} });
    await expect(new DmTree({ store: new DurableStore(storage) }).load()).rejects.toThrow(TreeStateError);
  });
});

describe('DurableStore concurrency', () => {
  it('concurrent puts of one name keep a good current copy and a good .prev, last put winning', async () => {
    const storage = new MemoryStorage();
    const store = new DurableStore(storage);
    await Promise.all([1, 2, 3, 4, 5].map((v) => store.put('doc', { v })));
    expect(await new DurableStore(storage).get('doc')).toEqual({ v: 5 });
    expect(openDocument((await storage.read('doc.prev'))!)).toEqual({ v: 4 });
  });
});

describe('DurableStore power cuts (at every single write)', () => {
  /** Storage whose writes stop at the cut; `torn` makes the cut write leave a truncated file (a non-atomic FS). */
  class CuttableStorage extends MemoryStorage {
    writes = 0;
    constructor(
      private readonly cutAt: number,
      private readonly torn: boolean,
    ) {
      super();
    }
    override async writeAtomic(name: string, data: Uint8Array): Promise<void> {
      this.writes++;
      if (this.writes === this.cutAt) {
        if (this.torn) this.files.set(name, data.slice(0, Math.floor(data.length / 3)));
        throw new Error('power cut');
      }
      if (this.writes > this.cutAt) throw new Error('power is off');
      return super.writeAtomic(name, data);
    }
  }

  for (const torn of [false, true]) {
    it(`always reads the last completed or the interrupted document (${torn ? 'torn' : 'atomic'} writes)`, async () => {
      const values = [1, 2, 3, 4];
      for (let cutAt = 1; cutAt <= 8; cutAt++) {
        const storage = new CuttableStorage(cutAt, torn);
        const store = new DurableStore(storage);
        let completed: number | null = null;
        let interrupted: number | null = null;
        for (const v of values) {
          try {
            await store.put('doc', { v });
            completed = v;
          } catch (e) {
            interrupted = v;
            break;
          }
        }
        // After the reboot: a fresh store on what is left.
        const after = new MemoryStorage();
        storage.files.forEach((b, k) => after.files.set(k, b));
        const got = (await new DurableStore(after).get('doc')) as { v: number } | null;
        if (completed === null) expect(got === null || got.v === interrupted, `cut at ${cutAt}`).toBe(true);
        else expect([completed, interrupted], `cut at ${cutAt}`).toContain(got && got.v);
      }
    });
  }
});
