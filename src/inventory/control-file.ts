// RFC 822-style control stanzas as dpkg and opkg write their status databases (Debian Policy §5.1: fields
// `Name: value`, continuation lines start with a space or tab, stanzas separated by blank lines, field names
// case-insensitive). Errors name the line so a broken status file can be found by a person, not guessed at.

import { InventoryError } from './component.js';

export interface ControlField {
  /** Field name as written (case kept). */
  name: string;
  /** Value: first line trimmed, continuation lines joined with `\n` (leading space removed, ` .` kept as `.`). */
  value: string;
  line: number;
}

export interface ControlStanza {
  /** 1-based line of the stanza's first field. */
  line: number;
  fields: ControlField[];
  /** Looks a field up case-insensitively; undefined when absent. */
  get(name: string): string | undefined;
}

function makeStanza(line: number, fields: ControlField[]): ControlStanza {
  const index: Record<string, string> = {};
  for (const f of fields) index[f.name.toLowerCase()] = f.value;
  return {
    line,
    fields,
    get: (name: string) => (Object.prototype.hasOwnProperty.call(index, name.toLowerCase()) ? index[name.toLowerCase()] : undefined),
  };
}

const FIELD_NAME = /^[!-9;-~]+$/; // printable ASCII except ':' and space (Policy §5.1)

/** Splits control text into stanzas; throws InventoryError (with the line number) on malformed input. */
export function parseControlStanzas(text: string, origin: string): ControlStanza[] {
  const lines = text.split('\n');
  const stanzas: ControlStanza[] = [];
  let fields: ControlField[] = [];
  let start = 0;
  const seen: Record<string, number> = {};
  const close = () => {
    if (fields.length > 0) stanzas.push(makeStanza(start, fields));
    fields = [];
    for (const k of Object.keys(seen)) delete seen[k];
  };
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') {
      close();
      continue;
    }
    const first = line[0];
    if (first === ' ' || first === '\t') {
      if (fields.length === 0) throw new InventoryError('continuation line outside any field', origin, lineNo);
      const f = fields[fields.length - 1];
      const cont = line.slice(1);
      f.value += '\n' + (cont.trim() === '.' ? '.' : cont);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new InventoryError(`expected "Field: value", got ${JSON.stringify(line.slice(0, 60))}`, origin, lineNo);
    const name = line.slice(0, colon);
    if (!FIELD_NAME.test(name) || name[0] === '#' || name[0] === '-')
      throw new InventoryError(`invalid field name ${JSON.stringify(name)}`, origin, lineNo);
    const key = name.toLowerCase();
    if (seen[key] !== undefined)
      throw new InventoryError(`duplicate field ${name} (first at line ${seen[key]})`, origin, lineNo);
    if (fields.length === 0) start = lineNo;
    seen[key] = lineNo;
    fields.push({ name, value: line.slice(colon + 1).trim(), line: lineNo });
  }
  close();
  return stanzas;
}
