// The page-cache model itself (test/support/page-cache.ts): what survives a power cut is what was fsynced (data) and
// what the directory's fsync made durable (names), and nothing else unless the crash choice keeps it.
import { describe, expect, it } from 'vitest';
import { PageCache, PowerCut } from './support/page-cache.js';

const txt = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());

async function writeFile(pc: PageCache, p: string, s: string, sync: { file: boolean; dir: boolean }) {
  const fh = await pc.open(p, 'w');
  await fh.writeFile(s);
  if (sync.file) await fh.sync();
  await fh.close();
  if (sync.dir) await (await pc.open('/m', 'r')).sync();
}

describe('page-cache model', () => {
  it('a write without fsync is lost at a cut (drop), kept with keep', async () => {
    for (const [choice, want] of [
      ['drop', 'old'],
      ['keep', 'new!'],
    ] as const) {
      const pc = new PageCache('/m');
      pc.provision('/m/f', Buffer.from('old'));
      const fh = await pc.open('/m/f', 'r+');
      await fh.write(Buffer.from('new!'), 0, 4, 0);
      expect(txt(pc.peek('/m/f'))).toBe('new!'); // readers see the cache
      pc.crash(choice);
      expect(txt(pc.peek('/m/f'))).toBe(want);
    }
  });

  it('fsynced data survives every crash choice', async () => {
    for (const choice of ['drop', 'keep', 'prefix'] as const) {
      const pc = new PageCache('/m');
      pc.provision('/m/f', Buffer.from('old'));
      const fh = await pc.open('/m/f', 'r+');
      await fh.write(Buffer.from('new!'), 0, 4, 0);
      await fh.sync();
      await fh.write(Buffer.from('later'), 0, 5, 4);
      pc.crash(choice);
      expect(txt(pc.peek('/m/f'))!.startsWith('new!')).toBe(true);
    }
  });

  it('a created file whose directory was not fsynced may vanish; its data without fsync is empty', async () => {
    const pc = new PageCache('/m');
    await writeFile(pc, '/m/a', 'data', { file: true, dir: false });
    pc.crash('drop');
    expect(pc.peek('/m/a')).toBeNull();
    const pc2 = new PageCache('/m');
    await writeFile(pc2, '/m/a', 'data', { file: false, dir: true });
    pc2.crash('drop');
    expect(txt(pc2.peek('/m/a'))).toBe(''); // the name is durable, the data is not
  });

  it('a rename without a directory fsync may be lost; tmp + fsync + rename + dir fsync is atomic', async () => {
    const pc = new PageCache('/m');
    pc.provision('/m/doc', Buffer.from('v1'));
    await writeFile(pc, '/m/doc.tmp', 'v2', { file: true, dir: false });
    await pc.rename('/m/doc.tmp', '/m/doc');
    expect(txt(pc.peek('/m/doc'))).toBe('v2');
    pc.crash('drop');
    expect(txt(pc.peek('/m/doc'))).toBe('v1');
    await writeFile(pc, '/m/doc.tmp', 'v3', { file: true, dir: false });
    await pc.rename('/m/doc.tmp', '/m/doc');
    await (await pc.open('/m', 'r')).sync();
    pc.crash('drop');
    expect(txt(pc.peek('/m/doc'))).toBe('v3');
  });

  it('rename before the data fsync can leave an empty file under the new name (the bug the sequence prevents)', async () => {
    const pc = new PageCache('/m');
    pc.provision('/m/doc', Buffer.from('v1'));
    await writeFile(pc, '/m/doc.tmp', 'v2', { file: false, dir: false });
    await pc.rename('/m/doc.tmp', '/m/doc');
    await (await pc.open('/m', 'r')).sync();
    pc.crash('drop');
    expect(txt(pc.peek('/m/doc'))).toBe('');
  });

  it('prefix keeps the first half of the unsynced operations and tears the one in the middle', async () => {
    const pc = new PageCache('/m');
    pc.provision('/m/f', new Uint8Array(8));
    const fh = await pc.open('/m/f', 'r+');
    await fh.write(Buffer.from('AAAA'), 0, 4, 0);
    await fh.write(Buffer.from('BBBB'), 0, 4, 4);
    await fh.write(Buffer.from('CCCC'), 0, 4, 0);
    expect(pc.unsynced()).toBe(3);
    pc.crash('prefix'); // first op kept, second torn half-way, third lost
    expect(txt(pc.peek('/m/f'))).toBe('AAAABB\0\0');
  });

  it('cuts at the N-th mutating call, then the power stays off; old handles are dead after the reboot', async () => {
    const pc = new PageCache('/m');
    pc.provision('/m/f', Buffer.from('x'));
    pc.cutAt = 2;
    const fh = await pc.open('/m/f', 'r+');
    await fh.write(Buffer.from('1'), 0, 1, 0); // #1
    await expect(fh.sync()).rejects.toBeInstanceOf(PowerCut); // #2
    expect(pc.cutLabel).toBe('fsync:/m/f');
    await expect(pc.readFile('/m/f')).rejects.toBeInstanceOf(PowerCut);
    pc.crash('drop');
    expect(txt(pc.peek('/m/f'))).toBe('x');
    await expect(fh.write(Buffer.from('2'), 0, 1, 0)).rejects.toBeInstanceOf(PowerCut);
    expect(pc.count).toBe(2);
  });
});
