// Config fuzzer: random JSON configurations of valid shape with wrong types, unknown keys, huge values, and random
// JSON text, through every validator the agent runs at start (src/config.ts and the section parsers of fumo, scomo,
// ui, device, triggers, notifications). A case passes when the result is a valid config or a typed configuration
// error (ConfigError or a section's *ConfigError, each naming the key); anything else is a crash.
//
//   npx tsx scripts/fuzz-config.ts --cases N [--seed S]      (also: scripts/fuzz config --cases N)
import { parseConfig, parseConfigText } from '../src/config.js';
import { validateSections } from '../src/cli/config-sections.js';
import { exitCodeFor } from '../src/cli/errors.js';
import { EXIT } from '../src/cli/args.js';
import { prng } from './fuzz-core.js';

type Rng = () => number;
const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

/** A valid, complete configuration: the fuzzer's starting shape. */
export const BASE_CONFIG = {
  server: { url: 'https://dm.example.com/dm', id: 'srv', clientAuth: { type: 'md5', name: 'gw', secret: 's' }, serverAuth: { type: 'hmac', name: 'srv', secret: 't' }, encoding: 'wbxml', maxMsgSize: 16384, maxObjSize: 1048576, timeoutMs: 30000, maxMessages: 50, followRedirects: false, tls: { caFile: '/etc/ca.pem', insecure: false } },
  stateDir: '/var/lib/dm-agent',
  request: { data: '', retries: 2, retryBaseMs: 1000, retryMaxMs: 60000, triggerTargets: ['fumo'] },
  device: { devIdScheme: 'fixed', devId: 'MAC:001122334455', manufacturer: 'Acme', model: 'GW' },
  fumo: { uri: './FUMO', writer: { type: 'file', path: '/data/fw.img' }, reboot: [], allowedHosts: ['dl.example.com'], allowHttp: false, requireHash: true },
  scomo: {},
  triggers: { schedule: { every: '1h' } },
  ui: { mode: 'headless', maxWaitSeconds: 60, queueBound: 8 },
  notifications: {},
  log: { level: 'info', json: false },
};

const WEIRD: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 9007199254740993, 2 ** 53, NaN, '', 'x', 'x'.repeat(100000), '\u0000', '\ud800', [], [1, 'a', null], {}, { a: { b: { c: {} } } },
  '__proto__', 'constructor', 'http://u:p@evil/', 'file:///etc/passwd', 'ftp://x', '../../etc', '1h', '-1h', '99999999999d', 'auto', 'tty',
];
const KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', 'x'.repeat(1000), '$comment', 'unknownKey', 'url', 'type', 'secret', 'writer', 'every', 'mode'];

/** A weird value; objects are fresh copies (mutation must not build cycles through shared ones). */
function weird(r: Rng): unknown {
  const v = pick(r, WEIRD);
  return v !== null && typeof v === 'object' ? clone(v) : v;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function deepNest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Mutates a JSON value in place at a random spot; returns the (maybe replaced) value. */
function mutateValue(v: unknown, r: Rng, depth = 0): unknown {
  if (v !== null && typeof v === 'object' && r() < 0.75 && depth < 6) {
    if (Array.isArray(v)) {
      if (v.length && r() < 0.7) {
        const i = int(r, v.length);
        v[i] = mutateValue(v[i], r, depth + 1);
      } else v.push(weird(r));
      return v;
    }
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const what = r();
    if (keys.length && what < 0.6) {
      const k = pick(r, keys);
      o[k] = mutateValue(o[k], r, depth + 1);
    } else if (keys.length && what < 0.75) delete o[pick(r, keys)];
    else Object.defineProperty(o, pick(r, KEYS), { value: weird(r), enumerable: true, configurable: true, writable: true });
    return v;
  }
  const x = r();
  if (x < 0.6) return weird(r);
  if (x < 0.7) return deepNest(int(r, 2000));
  if (typeof v === 'number') return pick(r, [v * 1e9, -v, v + 0.5, 2 ** 31, 2 ** 32, -(2 ** 53)]);
  if (typeof v === 'string') return v + pick(r, ['\u0000', ' ', 'x'.repeat(int(r, 5000)), '\n']);
  return weird(r);
}

function mutateText(t: string, r: Rng): string {
  const a = int(r, t.length + 1);
  const how = int(r, 3);
  if (how === 0) return t.slice(0, a);
  if (how === 1) return t.slice(0, a) + pick(r, ['{', '}', '[', ']', ',', ':', '"', '\\', '\\u12', '1e99999', 'null']) + t.slice(a);
  return t.slice(0, a) + t.slice(a + 1 + int(r, 10));
}

/** A configuration error is what the command line answers with exit 3 (src/cli/errors.ts, by class). */
export function isConfigError(e: unknown): boolean {
  return exitCodeFor(e) === EXIT.CONFIG;
}

/** Every validator the agent runs at start (src/cli/config-sections.ts), after the top level. */
export function validateAll(input: unknown, text?: string): void {
  validateSections(text !== undefined ? parseConfigText(text) : parseConfig(input));
}

export interface ConfigFuzzResult {
  cases: number;
  valid: number;
  configErrors: number;
  crashes: { error: string; input: string }[];
  maxMs: number;
}

export function runConfigFuzz(opts: { cases: number; seed: number; now: () => number; progress?: (n: number) => void }): ConfigFuzzResult {
  const r = prng(opts.seed);
  const res: ConfigFuzzResult = { cases: 0, valid: 0, configErrors: 0, crashes: [], maxMs: 0 };
  // The base config must be valid, or every case would only prove the same error.
  validateAll(clone(BASE_CONFIG));
  for (let i = 0; i < opts.cases; i++) {
    let input: unknown = clone(BASE_CONFIG);
    for (let k = 0, n = 1 + int(r, 4); k < n; k++) input = mutateValue(input, r);
    let text: string | undefined;
    if (r() < 0.2) {
      text = JSON.stringify(input);
      if (r() < 0.7) text = mutateText(text === undefined ? 'null' : text, r);
    }
    const t0 = opts.now();
    try {
      validateAll(input, text);
      res.valid++;
    } catch (e) {
      if (isConfigError(e)) res.configErrors++;
      else {
        let shown: string;
        try {
          shown = text !== undefined ? text : JSON.stringify(input);
        } catch {
          shown = String(input);
        }
        res.crashes.push({ error: `${(e as Error).name}: ${(e as Error).message}`, input: shown.slice(0, 20000) });
      }
    }
    const ms = opts.now() - t0;
    if (ms > res.maxMs) res.maxMs = ms;
    res.cases++;
    if (opts.progress) opts.progress(i + 1);
  }
  return res;
}

async function main(): Promise<void> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : dflt;
  };
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const cases = arg('--cases', 100000);
  const seed = arg('--seed', Date.now() % 0x7fffffff);
  let peak = process.memoryUsage().rss;
  const t0 = Date.now();
  const res = runConfigFuzz({ cases, seed, now: () => performance.now(), progress: (n) => void (n % 1000 === 0 && (peak = Math.max(peak, process.memoryUsage().rss))) });
  console.log(`config fuzz: seed ${seed}`);
  console.log(`cases:          ${res.cases}`);
  console.log(`valid configs:  ${res.valid}`);
  console.log(`config errors:  ${res.configErrors}`);
  console.log(`crashes:        ${res.crashes.length}`);
  console.log(`max ms/case:    ${res.maxMs.toFixed(2)}`);
  console.log(`peak RSS:       ${(peak / 1048576).toFixed(1)} MiB`);
  console.log(`wall time:      ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (res.crashes.length) {
    const dir = path.join(repoRoot, 'build', 'fuzz-crashes');
    fs.mkdirSync(dir, { recursive: true });
    res.crashes.slice(0, 10).forEach((c, i) => fs.writeFileSync(path.join(dir, `config-${seed}-${i}.json`), c.input));
    const seen = new Set<string>();
    for (const c of res.crashes) if (!seen.has(c.error.slice(0, 80)) && seen.size < 10) (seen.add(c.error.slice(0, 80)), console.log(`  crash: ${c.error.slice(0, 200)}`));
    console.log(`inputs written to ${dir}`);
    process.exitCode = 1;
  }
}

if (typeof process !== 'undefined' && process.argv[1] && /fuzz-config\.ts$/.test(process.argv[1])) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 2;
  });
}
