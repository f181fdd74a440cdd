// On-target probe for the Storage adapter: a scripted sequence of operations in <dir>, with what each returned.
//   probe-storage.js <dir> [native|command]   (durability: dmnative fsync, or the `sync` command fallback)
import { hex, utf8Encode } from '../../src/bytes.js';
import { QjsStorage, commandDurability } from './storage.js';
import { runProbe, catchErrorAsync } from './probe.js';

runProbe(async (args) => {
  const dir = args[0];
  const storage = new QjsStorage(dir, args[1] === 'command' ? { durability: commandDurability() } : {});
  const all = new Uint8Array(256 * 3);
  for (let i = 0; i < all.length; i++) all[i] = i & 0xff;
  const out: Record<string, unknown> = {};
  out.listBeforeAnyWrite = await storage.list();
  out.readMissing = await storage.read('absent');
  await storage.writeAtomic('journal', utf8Encode('first'));
  await storage.writeAtomic('journal', utf8Encode('second, longer than the first'));
  await storage.writeAtomic('binary', all);
  await storage.writeAtomic('empty', new Uint8Array(0));
  await storage.writeAtomic('view', all.subarray(10, 20));
  const journal = await storage.read('journal');
  out.journalHex = journal ? hex(journal) : null;
  const binary = await storage.read('binary');
  out.binaryHex = binary ? hex(binary) : null;
  const empty = await storage.read('empty');
  out.emptyLength = empty ? empty.length : null;
  const view = await storage.read('view');
  out.viewHex = view ? hex(view) : null;
  out.listAfterWrites = await storage.list();
  await storage.remove('empty');
  await storage.remove('never-existed');
  out.listAfterRemove = await storage.list();
  out.readRemoved = await storage.read('empty');
  out.badNames = {};
  for (const name of ['', '.', '..', 'a/b', '../escape', 'x.tmp', 'nl\nname']) {
    (out.badNames as Record<string, unknown>)[name] = await catchErrorAsync(() => storage.writeAtomic(name, new Uint8Array(1)));
  }
  out.readBadName = await catchErrorAsync(() => storage.read('../etc/passwd'));
  return out;
});
