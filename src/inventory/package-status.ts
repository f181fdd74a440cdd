// dpkg and opkg status databases share one format (control stanzas with Package/Version/Status/Architecture);
// this turns the installed stanzas into Components. Only the `Status` rules differ, so they are passed in.

import { Component, InventoryError } from './component.js';
import { ControlStanza, parseControlStanzas } from './control-file.js';

/** The three words of a `Status:` field: want, error flag(s), state (dpkg(1) "want flag status"). */
export interface PackageStatus {
  want: string;
  flags: string[];
  state: string;
}

export function parseStatusField(value: string, origin: string, line: number): PackageStatus {
  const words = value.split(/\s+/).filter((w) => w !== '');
  if (words.length !== 3) throw new InventoryError(`Status must have 3 words (want flag state), got ${JSON.stringify(value)}`, origin, line);
  return { want: words[0], flags: words[1].split(','), state: words[2] };
}

export interface PackageDbRules {
  /** Source name written into Component.source. */
  source: string;
  isInstalled(status: PackageStatus): boolean;
}

function fieldLine(stanza: ControlStanza, name: string): number {
  for (const f of stanza.fields) if (f.name.toLowerCase() === name.toLowerCase()) return f.line;
  return stanza.line;
}

/** Parses a whole status file; malformed stanzas throw InventoryError with the line number. */
export function parsePackageStatus(text: string, origin: string, rules: PackageDbRules): Component[] {
  const out: Component[] = [];
  for (const stanza of parseControlStanzas(text, origin)) {
    const name = stanza.get('Package');
    if (name === undefined || name === '') throw new InventoryError('stanza has no Package field', origin, stanza.line);
    const statusText = stanza.get('Status');
    if (statusText === undefined) throw new InventoryError(`package ${name} has no Status field`, origin, stanza.line);
    const status = parseStatusField(statusText, origin, fieldLine(stanza, 'Status'));
    if (!rules.isInstalled(status)) continue;
    const version = stanza.get('Version');
    if (version === undefined || version === '')
      throw new InventoryError(`installed package ${name} has no Version field`, origin, stanza.line);
    const c: Component = { id: name, name, version, state: 'active', source: rules.source };
    const description = stanza.get('Description');
    if (description !== undefined && description !== '') c.description = description.split('\n')[0];
    const arch = stanza.get('Architecture');
    if (arch !== undefined && arch !== '') c.architecture = arch;
    out.push(c);
  }
  qualifyMultiArch(out);
  return out;
}

/** A package installed for several architectures (Multi-Arch: same) gets `name:arch` ids so every ID stays unique. */
function qualifyMultiArch(list: Component[]): void {
  const count: Record<string, number> = {};
  for (const c of list) count[c.id] = (count[c.id] || 0) + 1;
  for (const c of list) if (count[c.name] > 1 && c.architecture !== undefined) c.id = `${c.name}:${c.architecture}`;
}
