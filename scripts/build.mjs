#!/usr/bin/env node
// Builds the two runtimes' outputs with esbuild:
//   dist/node/cli.js          ESM for Node >= 18 with the pure-JS dependencies bundled in: resolving and loading their
//                             module files one by one cost Node ~20 ms and ~4 MiB at every start. A module the code
//                             imports with import() (node-fetch in transport.ts) is bundled too but evaluated only at
//                             that import. The native fs-ext and the stream polyfill Node >= 18 never loads stay in
//                             node_modules.
//   dist/quickjs/dm-agent.js  one minified ES2020 bundle for qjs (imports only the qjs modules std, os, dmnative)
import { build } from 'esbuild';
import { mkdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const define = { __DM_AGENT_VERSION__: JSON.stringify(pkg.version) };

mkdirSync(join(root, 'dist/node'), { recursive: true });
mkdirSync(join(root, 'dist/quickjs'), { recursive: true });

await build({
  entryPoints: [join(root, 'platform/node/cli.ts')],
  outfile: join(root, 'dist/node/cli.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  external: ['fs-ext', 'web-streams-polyfill'],
  // Minified like the QuickJS bundle: V8 parses the whole file at start, and 429 KB instead of 740 KB of source took
  // ~1.5 MiB off the peak RSS of a FUMO session (scripts/bench rss). Stack traces map back with --enable-source-maps.
  // keepNames: node-fetch names its errors after their class (FetchBaseError's `name` is constructor.name), and the
  // transport tells a timeout by the name AbortError.
  minify: true,
  keepNames: true,
  banner: { js: '#!/usr/bin/env node' },
  define,
  sourcemap: true,
  logLevel: 'warning',
});

// QuickJS 2021-03-27 lacks Object.hasOwn; the shim must run before any module body (imports are hoisted), so it goes
// in the banner (docs/design.md). No shebang: qjs reads the bundle as a module and takes arguments from scriptArgs.
await build({
  entryPoints: [join(root, 'platform/quickjs/main.ts')],
  outfile: join(root, 'dist/quickjs/dm-agent.js'),
  bundle: true,
  platform: 'neutral',
  format: 'esm',
  target: 'es2020',
  mainFields: ['module', 'main'],
  conditions: ['import', 'default'],
  external: ['std', 'os', 'dmnative'],
  minify: true,
  legalComments: 'none',
  banner: {
    js: 'if(!Object.hasOwn)Object.hasOwn=function(o,k){return Object.prototype.hasOwnProperty.call(o,k)};',
  },
  define,
  logLevel: 'warning',
});

const qjsBundle = join(root, 'dist/quickjs/dm-agent.js');
const size = statSync(qjsBundle).size;
const gz = gzipSync(readFileSync(qjsBundle), { level: 9 }).length;
writeFileSync(join(root, 'dist/quickjs/size.json'), JSON.stringify({ bytes: size, gzip: gz }) + '\n');
if (!quiet) console.log(`built dist/node/cli.js and dist/quickjs/dm-agent.js (${size} bytes, ${gz} gzipped)`);
