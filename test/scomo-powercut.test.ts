// One OperationComplete report per job under power cuts, delivered at least once (docs/protocol.md §6.4, docs/flows.md story C; docs/robustness.md): the SCOMO state is cut at
// every single durable write of a DownloadInstall — before the write lands and just after it — then the agent
// "reboots" (a new ScomoMo over what reached the disk), resumes, and delivers its reports to a recording server.
import { describe, expect, it } from 'vitest';
import type { Component } from '../src/inventory/component.js';
import { ScomoMo, type JsonStore, type ScomoConfig } from '../src/scomo/index.js';

class PowerCut extends Error {}

/** The disk: what survives a power cut. */
class Disk {
  files: Record<string, string> = {};
}

/** One boot's view of the disk; the cutAt-th put loses power before (or just after) its data lands. */
class BootStore implements JsonStore {
  puts = 0;
  dead = false;
  constructor(
    private readonly disk: Disk,
    private readonly cutAt: number,
    private readonly after: boolean,
  ) {}
  async get(name: string) {
    if (this.dead) throw new PowerCut('off');
    return name in this.disk.files ? JSON.parse(this.disk.files[name]) : null;
  }
  async put(name: string, value: unknown) {
    if (this.dead) throw new PowerCut('off');
    this.puts++;
    if (this.puts === this.cutAt) {
      if (this.after) this.disk.files[name] = JSON.stringify(value);
      this.dead = true;
      throw new PowerCut(`power cut at write ${this.puts}`);
    }
    this.disk.files[name] = JSON.stringify(value);
  }
}

interface World {
  components: Component[];
}

function make(store: JsonStore, world: World): ScomoMo {
  const config: ScomoConfig = {
    sources: [{ name: 'pkgs', list: async () => world.components.map((c) => ({ ...c })) }],
    store,
    download: async () => ({ path: '/cache/app_2.0.pkg', sha256: 'aa' }),
    installer: {
      async install() {
        world.components = [{ id: 'app', name: 'app', version: '2.0', state: 'active', source: 'pkgs' }];
        return { componentIds: ['app'] };
      },
      async remove() {},
    },
    files: { remove: async () => undefined },
  };
  return new ScomoMo(config);
}

/** One full story with a cut at write `cutAt`; returns what the server saw. */
async function story(cutAt: number, after: boolean) {
  const disk = new Disk();
  const world: World = { components: [{ id: 'app', name: 'app', version: '1.0', state: 'active', source: 'pkgs' }] };
  const received: string[] = []; // report ids as the server got them
  const ackedDurably = new Set<string>();
  let accepted = false;
  let writes = 0;

  // Boot 1: the session (Add, Exec → 202), the job, then a report session.
  const store1 = new BootStore(disk, cutAt, after);
  const a = make(store1, world);
  try {
    await a.list('Inventory/Deployed');
    await a.add('Download/p', {});
    await a.add('Download/p/PkgURL', { data: 'https://e/app_2.0.pkg' });
    accepted = (await a.exec('Download/p/Operations/DownloadInstall', { correlator: 'c1' })) === 202;
    await a.idle();
    for (const r of await a.pendingReports()) {
      received.push(r.id);
      if (await a.acknowledge(r.id)) ackedDurably.add(r.id);
    }
  } catch (e) {
    if (!(e instanceof PowerCut)) throw e;
  }
  await a.idle(); // the dead instance's runner stops at its next write
  writes += store1.puts;

  // Later boots: resume, then report sessions until nothing is pending (bounded).
  for (let boot = 0; boot < 3; boot++) {
    const store = new BootStore(disk, Infinity, false);
    const b = make(store, world);
    b.resume();
    await b.idle();
    for (const r of await b.pendingReports()) {
      expect(ackedDurably.has(r.id), `report ${r.id} re-sent after its ack reached the disk`).toBe(false);
      received.push(r.id);
      if (await b.acknowledge(r.id)) ackedDurably.add(r.id);
    }
    if ((await b.pendingReports()).length === 0 && (await b.pendingJobs()).length === 0) {
      const reports = new Set(received);
      return { accepted, received, distinct: reports.size, version: world.components[0].version, writes, final: b };
    }
  }
  throw new Error('reports still pending after 3 boots');
}

describe('SCOMO: one report per job across power cuts at every write (at-least-once delivery)', () => {
  it('uncut run makes a known number of writes', async () => {
    const r = await story(Infinity, false);
    expect(r.accepted).toBe(true);
    expect(r.received).toHaveLength(1);
    expect(r.version).toBe('2.0');
    expect(r.writes).toBeGreaterThanOrEqual(8);
  });

  it('every cut point, before and after the write lands', async () => {
    const total = (await story(Infinity, false)).writes;
    let exercised = 0;
    for (const after of [false, true]) {
      for (let cut = 1; cut <= total; cut++) {
        const r = await story(cut, after);
        exercised++;
        const where = `cut at write ${cut} (${after ? 'after' : 'before'} it lands)`;
        if (!r.accepted && r.distinct === 0) {
          // The Exec never got its 202 (cut while storing the job): nothing runs, nothing is reported.
          expect(r.version, where).toBe('1.0');
          continue;
        }
        // An accepted job reaches exactly one report (the same id if it had to be re-sent) and a defined end state.
        expect(r.distinct, where).toBe(1);
        expect(r.version, where).toBe('2.0');
        const deployed = await r.final.get('Inventory/Deployed/app/Version');
        expect(deployed.data, where).toBe('2.0');
      }
    }
    console.log(`SCOMO power-cut test: ${exercised} cut points exercised (${total} writes per run, cut before and after each)`);
    expect(exercised).toBe(2 * total);
  });
});
