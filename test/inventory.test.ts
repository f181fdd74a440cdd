import { describe, expect, it } from 'vitest';
import { bundleForQjs, ensureQjs, qjsSkipReason, runQjs } from './support/qjs.js';
import { EXPECTED_INVENTORY_CACHE, inventoryCacheScenario } from './support/inventory-cache-scenario.js';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import {
  InventoryError,
  ManifestError,
  parseControlStanzas,
  parseDpkgStatus,
  parseManifest,
  parseOpkgStatus,
  readInventory,
  staticSource,
  validateManifest,
} from '../src/inventory/index.js';

describe('control stanzas (Debian Policy §5.1)', () => {
  it('joins continuation lines and keeps stanza line numbers', () => {
    const s = parseControlStanzas('Package: a\nDescription: short\n long line\n .\n more\n\n\nPackage: b\n', 'x');
    expect(s).toHaveLength(2);
    expect(s[0].line).toBe(1);
    expect(s[1].line).toBe(8);
    expect(s[0].get('description')).toBe('short\nlong line\n.\nmore');
    expect(s[1].get('PACKAGE')).toBe('b');
  });
  it('accepts CRLF line ends', () => {
    expect(parseControlStanzas('Package: a\r\nVersion: 1\r\n', 'x')[0].get('Version')).toBe('1');
  });
  it('names the line of a continuation outside any field', () => {
    expect(() => parseControlStanzas('Package: a\n\n continued\n', 'status')).toThrowError(/status:3: continuation line/);
  });
  it('names the line of a line without a colon', () => {
    try {
      parseControlStanzas('Package: a\nVersion 1.0\n', 'status');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(InventoryError);
      expect((e as InventoryError).line).toBe(2);
      expect((e as Error).message).toMatch(/expected "Field: value"/);
    }
  });
  it('refuses duplicate fields, naming both lines', () => {
    expect(() => parseControlStanzas('Package: a\nVersion: 1\nversion: 2\n', 's')).toThrowError(/s:3: duplicate field version \(first at line 2\)/);
  });
});

describe('dpkg status', () => {
  const crafted = [
    'Package: good',
    'Status: install ok installed',
    'Architecture: amd64',
    'Version: 1.2-3',
    'Description: a good package',
    ' with a long description',
    '',
    'Package: gone',
    'Status: deinstall ok config-files',
    'Version: 0.9',
    '',
    'Package: held',
    'Status: hold ok installed',
    'Version: 2.0',
    '',
    'Package: broken',
    'Status: install reinstreq half-installed',
    'Version: 3',
    '',
    'Package: libx',
    'Status: install ok installed',
    'Architecture: amd64',
    'Version: 1',
    '',
    'Package: libx',
    'Status: install ok installed',
    'Architecture: i386',
    'Version: 1',
    '',
  ].join('\n');

  it('keeps only installed packages (want install|hold, flag ok, state installed)', () => {
    const list = parseDpkgStatus(crafted, 'crafted');
    expect(list.map((c) => c.id)).toEqual(['good', 'held', 'libx:amd64', 'libx:i386']);
    expect(list[0]).toMatchObject({ name: 'good', version: '1.2-3', description: 'a good package', state: 'active', source: 'dpkg' });
    expect(list[2].name).toBe('libx');
  });

  it('reports a stanza without Package with its line', () => {
    expect(() => parseDpkgStatus('Package: a\nStatus: install ok installed\nVersion: 1\n\nVersion: 2\nStatus: install ok installed\n', 'st')).toThrowError(
      /st:5: stanza has no Package field/,
    );
  });
  it('reports a malformed Status with the Status line', () => {
    expect(() => parseDpkgStatus('Package: a\nVersion: 1\nStatus: installed\n', 'st')).toThrowError(/st:3: Status must have 3 words/);
  });
  it('reports an installed package without Version', () => {
    expect(() => parseDpkgStatus('Package: a\nStatus: install ok installed\n', 'st')).toThrowError(/st:1: installed package a has no Version/);
  });

  const real = '/var/lib/dpkg/status';
  it.runIf(existsSync(real))('parses the real dpkg database of this machine like dpkg-query does', () => {
    const list = parseDpkgStatus(readFileSync(real, 'utf8'), real);
    const query = execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}|${Package}|${Version}|${Architecture}\\n'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^(ii|hi) /.test(l))
      .map((l) => l.split('|'));
    expect(list.length).toBe(query.length);
    expect(list.length).toBeGreaterThan(10);
    const byName: Record<string, string> = {};
    for (const c of list) byName[c.name] = c.version;
    for (const [, name, version] of query) expect(byName[name]).toBe(version);
    expect(new Set(list.map((c) => c.id)).size).toBe(list.length);
  });
  if (!existsSync(real)) console.warn(`skipping the real dpkg database test: ${real} does not exist on this machine`);
});

describe('opkg status (OpenWrt)', () => {
  const text = [
    'Package: luci-app-x',
    'Version: git-23.051.66410-a505bb1',
    'Depends: libc, luci-base',
    'Status: install user installed',
    'Architecture: all',
    'Installed-Time: 1700000000',
    '',
    'Package: dnsmasq',
    'Version: 2.89-4',
    'Status: install ok installed',
    'Architecture: aarch64_cortex-a53',
    'Conffiles:',
    ' /etc/config/dhcp 0d',
    '',
    'Package: half',
    'Version: 1',
    'Status: install reinstreq,user installed',
    '',
    'Package: removed',
    'Version: 1',
    'Status: deinstall ok not-installed',
    '',
  ].join('\n');
  it('keeps user- and ok-installed packages, drops reinstreq and removed ones', () => {
    const list = parseOpkgStatus(text, 'opkg');
    expect(list.map((c) => `${c.id}=${c.version}`)).toEqual(['luci-app-x=git-23.051.66410-a505bb1', 'dnsmasq=2.89-4']);
    expect(list[0].source).toBe('opkg');
  });
});

describe('component manifests', () => {
  it('validates and defaults state to active', () => {
    expect(parseManifest('{"id":"modem-fw","name":"Modem firmware","version":"2.4.1"}', 'm.json')).toEqual([
      { id: 'modem-fw', name: 'Modem firmware', version: '2.4.1', state: 'active', source: 'manifest' },
    ]);
    const [c] = parseManifest('{"id":"c","name":"C","version":"1","state":"inactive","service":"c.service","description":"d"}', 'm');
    expect(c).toMatchObject({ state: 'inactive', service: 'c.service', description: 'd' });
  });
  it.each([
    ['{"name":"x","version":"1"}', /m.json: missing required field "id"/],
    ['{"id":"x","name":"x","version":2}', /field "version" must be a string, got number/],
    ['{"id":"x","name":"x","version":"1","state":"on"}', /field "state" must be "active" or "inactive", got "on"/],
    ['{"id":"x","name":"x","version":"1","colour":"red"}', /unknown field "colour"/],
    ['{"id":"","name":"x","version":"1"}', /field "id" must not be empty/],
    ['{"id":"a\\nb","name":"x","version":"1"}', /field "id" contains a control character/],
    ['[1]', /m.json\[0\]: manifest must be a JSON object/],
    ['{oops', /m.json: not valid JSON/],
  ])('refuses %s', (json, message) => {
    expect(() => parseManifest(json, 'm.json')).toThrowError(ManifestError);
    expect(() => parseManifest(json, 'm.json')).toThrowError(message);
  });
  it('accepts an array of components', () => {
    expect(parseManifest('[{"id":"a","name":"A","version":"1"},{"id":"b","name":"B","version":"2"}]', 'm').map((c) => c.id)).toEqual(['a', 'b']);
  });
  it('rejects non-objects directly', () => {
    expect(() => validateManifest(null, 'n')).toThrowError(/must be a JSON object/);
  });
});

describe('combined inventory', () => {
  it('first source owns an ID; broken sources are reported, others still listed', async () => {
    const a = staticSource('a', [{ id: 'x', name: 'x', version: '1', state: 'active', source: 'a' }]);
    const b = staticSource('b', [
      { id: 'x', name: 'x', version: '2', state: 'active', source: 'b' },
      { id: 'y', name: 'y', version: '1', state: 'active', source: 'b' },
    ]);
    const broken = { name: 'broken', list: async () => Promise.reject(new Error('status:7: bad')) };
    const inv = await readInventory([a, broken, b]);
    expect(inv.components.map((c) => `${c.id}@${c.version}`)).toEqual(['x@1', 'y@1']);
    expect(inv.problems).toEqual([
      { source: 'broken', message: 'status:7: bad' },
      { source: 'b', message: 'component ID "x" already reported by a; ignored' },
    ]);
  });
});

for (const rt of ['node', 'qjs'] as const) {
  const skip = rt === 'qjs' ? qjsSkipReason('host') : null;
  describe.skipIf(!!skip)(`file-backed sources on ${rt} (one cache: src/inventory/file-sources.ts)${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('re-read a changed status file after the recheck window or refresh(), and answer the same array otherwise', async () => {
      const { mkdtempSync, writeFileSync, rmSync, mkdirSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const path = await import('node:path');
      const dir = mkdtempSync(path.join(tmpdir(), `inv-src-${rt}-`));
      try {
        let seen: string[];
        if (rt === 'node') {
          const sources = await import('../platform/node/inventory.js');
          seen = await inventoryCacheScenario(dir, { write: (p, t) => writeFileSync(p, t), remove: (p) => rmSync(p), mkdir: (p) => mkdirSync(p) }, sources);
        } else {
          ensureQjs('host');
          const bundle = await bundleForQjs('test/inventory.qjs-entry.ts', path.join(dir, 'bundle', 'inventory.js'));
          const r = await runQjs('host', bundle, [dir]);
          expect(r.stderr).toBe('');
          expect(r.code).toBe(0);
          seen = JSON.parse(r.stdout);
        }
        expect(seen).toEqual(EXPECTED_INVENTORY_CACHE);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 900_000);
  });
}
