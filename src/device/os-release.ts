// /etc/os-release (freedesktop os-release(5)): KEY=value lines, values optionally in "double" or 'single' quotes,
// backslash escapes for \" \\ \$ \` inside double quotes, `#` comments. Used for SwV and the default FwV source.

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line[0] === '#') continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue; // os-release(5): lines that are not assignments are ignored
    out[m[1]] = unquote(m[2]);
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') {
    return v.substring(1, v.length - 1).replace(/\\(["\\$`])/g, '$1');
  }
  if (v.length >= 2 && v[0] === "'" && v[v.length - 1] === "'") return v.substring(1, v.length - 1);
  return v;
}
