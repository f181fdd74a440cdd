// One writer, built by the production factory (src/update/writers/factory.ts) over a runtime's writer ports, driven
// through a list of operations; every result (or error) is returned as JSON. The same code runs in vitest on the Node
// ports and, bundled, on the qjs engine on the QuickJS ports (test/writers.qjs-entry.ts), so test/update-writers.test.ts
// checks both runtimes with the same scenario and the same expectations.
import type { BootExpectation } from '../../src/ports/update.js';
import type { WriterPorts } from '../../src/ports/writers.js';
import { type WriterConfig, createFlashWriter } from '../../src/update/writers/factory.js';
import { hex } from '../../src/bytes.js';
import { UpdateError } from '../../src/update/errors.js';
import { fumoResultFor } from '../../src/fumo/result-codes.js';

export type WriterOp =
  | { op: 'status' }
  /** Streams `file` into a streaming writer (begin, writeChunk, sync every `syncEvery`, finish) or hands it over whole. */
  | { op: 'install'; file: string; sha256: string; size: number; chunk?: number; syncEvery?: number }
  | { op: 'activate'; target?: string }
  | { op: 'commit'; expect?: BootExpectation }
  | { op: 'rollback'; expect?: BootExpectation }
  | { op: 'checkBoot'; expect: BootExpectation }
  /** SHA-256 of `length` bytes of a file through the port (what a slot holds now). */
  | { op: 'hash'; file: string; length: number };

export interface OpResult {
  op: string;
  ok?: unknown;
  /** `kind` and the FUMO result it is reported with, for an UpdateError. */
  error?: { name: string; message: string; kind?: string; resultCode?: number };
}

export interface WriterRun {
  config: WriterConfig;
  ops: WriterOp[];
  /** The platform's running firmware version (DevDetail FwV) for installers observed by `facts`. */
  firmwareVersion?: string;
}

export async function runWriterOps(ports: WriterPorts, readFile: (path: string) => Promise<Uint8Array>, run: WriterRun): Promise<OpResult[]> {
  const w = createFlashWriter(run.config, ports, { firmwareVersion: async () => run.firmwareVersion });
  const out: OpResult[] = [];
  for (const o of run.ops) {
    try {
      let ok: unknown = null;
      switch (o.op) {
        case 'status':
          ok = await w.status();
          break;
        case 'install': {
          const meta = { size: o.size, sha256: o.sha256, stagedFile: o.file };
          if ('installFile' in w) {
            await w.installFile(o.file, meta);
            break;
          }
          const img = await readFile(o.file);
          await w.begin(meta);
          const chunk = o.chunk || 65536;
          for (let off = 0; off < img.length; off += chunk) {
            await w.writeChunk(img.subarray(off, Math.min(img.length, off + chunk)));
            if (o.syncEvery && w.sync && (off + chunk) % o.syncEvery === 0) await w.sync();
          }
          await w.finish();
          break;
        }
        case 'activate':
          await w.activate(o.target);
          break;
        case 'commit':
          await w.commit(o.expect);
          break;
        case 'rollback':
          await w.rollback(o.expect);
          break;
        case 'checkBoot':
          ok = w.checkBoot ? await w.checkBoot(o.expect) : 'no checkBoot';
          break;
        case 'hash':
          ok = hex(await ports.fs.sha256(o.file, 0, o.length));
          break;
      }
      out.push({ op: o.op, ok });
    } catch (e) {
      const err = e as Error;
      const error: OpResult['error'] = { name: err.name, message: err.message };
      if (e instanceof UpdateError) {
        error.kind = e.kind;
        error.resultCode = fumoResultFor(e);
      }
      out.push({ op: o.op, error });
    }
  }
  return out;
}
