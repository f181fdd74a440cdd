// Harness for the on-target probes (probe-*.ts): small programs, bundled for qjs, that exercise the QuickJS
// adapters on a real device or under qemu and print one JSON document on stdout. The tests in
// test/quickjs-*.test.ts run them; a person can run them on a gateway the same way:
//   qjs -m probe-sha256.js vectors
import * as std from 'std';

/** qjs's `scriptArgs` without the script name. */
export function probeArgs(): string[] {
  const all = (globalThis as unknown as { scriptArgs?: string[] }).scriptArgs || [];
  return all.slice(1);
}

/** Runs `main`, prints its result as JSON and exits 0; on an exception prints {error} and exits 1. */
export function runProbe(main: (args: string[]) => Promise<unknown> | unknown): void {
  Promise.resolve()
    .then(() => main(probeArgs()))
    .then(
      (result) => {
        std.out.puts(JSON.stringify(result) + '\n');
        std.out.flush();
        std.exit(0);
      },
      (e: unknown) => {
        const err = e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { message: String(e) };
        std.out.puts(JSON.stringify({ error: err }) + '\n');
        std.out.flush();
        std.exit(1);
      },
    );
}

/** Describes a thrown value for a probe's report: name, message and the typed fields adapters add. */
export function describeError(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e) };
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  for (const k of ['code', 'errno', 'curlExit', 'op', 'path']) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Runs `f` and reports what it threw, or {threw: false}. */
export function catchError(f: () => unknown): Record<string, unknown> {
  try {
    f();
    return { threw: false };
  } catch (e) {
    return { threw: true, ...describeError(e) };
  }
}

/** The async flavour of catchError. */
export async function catchErrorAsync(f: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await f();
    return { threw: false };
  } catch (e) {
    return { threw: true, ...describeError(e) };
  }
}
