// Loads fuzz seeds (Node only): every WBXML and XML vector under ../shared/vectors, plus our own WBXML encodings
// of the XML messages we can decode (with and without string table), so the WBXML seeds cover our encoder too.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FuzzSeed } from './fuzz-core.js';
import { decodeXml, encodeWbxml } from '../src/syncml/index.js';

export function loadSeeds(vectorsDir: string): FuzzSeed[] {
  const seeds: FuzzSeed[] = [];
  if (!existsSync(vectorsDir)) return seeds;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.wbxml')) seeds.push({ name: path.relative(vectorsDir, p), bytes: new Uint8Array(readFileSync(p)), xml: false });
      else if (name.endsWith('.xml')) {
        const bytes = new Uint8Array(readFileSync(p));
        seeds.push({ name: path.relative(vectorsDir, p), bytes, xml: true });
        try {
          const m = decodeXml(readFileSync(p, 'utf8'));
          seeds.push({ name: path.relative(vectorsDir, p) + '#ours', bytes: encodeWbxml(m), xml: false });
          seeds.push({ name: path.relative(vectorsDir, p) + '#ours-strtbl', bytes: encodeWbxml(m, { stringTable: true, publicId: 'string' }), xml: false });
        } catch (e) {
          // not a decodable DM message: the XML seed alone is enough
        }
      }
    }
  };
  walk(vectorsDir);
  return seeds;
}
