// Item 1 of a user-interaction alert: the optional parameters (docs/protocol.md §1.8, SPEC-ZH 25 — a single source, see docs/protocol.md §9 #15).
// They arrive URL-encoded and `&`-separated, e.g. `MAXDT=30&DR=1`. Unknown names are ignored silently, as the spec says.
// Field servers are sloppy, so the reader is lenient: names are matched case-insensitively, a missing `&` before a known
// name (`MAXDT=15DR=1`, seen in the Motorola engine's own test data) is repaired, and bad values are reported as warnings
// instead of failing the whole alert.

/** The parameters as found on the wire, before any clamping to local limits. */
export interface UiParams {
  /** MINDT: minimum display time, seconds. */
  minDisplaySeconds?: number;
  /** MAXDT: maximum time to wait for the user, seconds (timeout → Status 408). */
  maxWaitSeconds?: number;
  /** DR: default response, still in wire form (URL-decoded): `0`/`1`, a text, an index, or `2-3`. */
  defaultResponse?: string;
  /** MAXLEN: maximum length of a text input. */
  maxLength?: number;
  /** IT: input type of a text input. */
  inputType?: InputType;
  /** ET: echo type, `T` visible text or `P` password. */
  echoType?: EchoType;
}

export type InputType = 'A' | 'N' | 'D' | 'T' | 'P' | 'I';
export type EchoType = 'T' | 'P';

export interface ParsedParams {
  params: UiParams;
  /** One line per value that was ignored or repaired, for the log. */
  warnings: string[];
}

const KNOWN = ['MINDT', 'MAXDT', 'DR', 'MAXLEN', 'IT', 'ET'];
const INPUT_TYPES: InputType[] = ['A', 'N', 'D', 'T', 'P', 'I'];

/** Decodes `application/x-www-form-urlencoded` text: `+` is a space, `%XX` an escaped UTF-8 byte. Bad escapes stay as they are. */
export function formDecode(text: string): string {
  const plus = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch (_e) {
    // A lone `%` or invalid UTF-8: decode the escapes that are valid one by one and keep the rest literally.
    return plus.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch (_e2) {
        return run;
      }
    });
  }
}

/** Splits at `&`, and also before a known parameter name glued to the previous value (`MAXDT=15DR=1`). */
function splitPairs(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split('&')) {
    let rest = part;
    // Repair only digit-valued parameters followed by a known NAME= (a text DR may legitimately contain `IT=`).
    for (;;) {
      const m = /^((?:MINDT|MAXDT|MAXLEN)=[0-9]+)((?:MINDT|MAXDT|DR|MAXLEN|IT|ET)=.*)$/i.exec(rest);
      if (!m) break;
      out.push(m[1]);
      rest = m[2];
    }
    if (rest.trim() !== '') out.push(rest);
  }
  return out;
}

function seconds(name: string, raw: string, warnings: string[]): number | undefined {
  const v = raw.trim();
  if (!/^[0-9]{1,9}$/.test(v)) {
    warnings.push(`${name}=${JSON.stringify(raw)} is not a whole number of seconds; ignored`);
    return undefined;
  }
  return parseInt(v, 10);
}

/** Reads Item 1's text. Never throws: every problem becomes a warning and the parameter is left out. */
export function parseUiParams(text: string | undefined): ParsedParams {
  const params: UiParams = {};
  const warnings: string[] = [];
  if (text === undefined) return { params, warnings };
  const trimmed = text.trim();
  if (trimmed === '') return { params, warnings };
  for (const pair of splitPairs(trimmed)) {
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).trim().toUpperCase();
    const raw = eq < 0 ? '' : formDecode(pair.slice(eq + 1));
    if (KNOWN.indexOf(name) < 0) continue; // docs/protocol.md §1.8: unknown parameters are ignored silently
    if (eq < 0) {
      warnings.push(`parameter ${name} has no value; ignored`);
      continue;
    }
    switch (name) {
      case 'MINDT':
        params.minDisplaySeconds = seconds(name, raw, warnings);
        break;
      case 'MAXDT':
        params.maxWaitSeconds = seconds(name, raw, warnings);
        break;
      case 'MAXLEN':
        params.maxLength = seconds(name, raw, warnings);
        break;
      case 'DR':
        params.defaultResponse = raw;
        break;
      case 'IT': {
        const it = raw.trim().toUpperCase() as InputType;
        if (INPUT_TYPES.indexOf(it) >= 0) params.inputType = it;
        else warnings.push(`IT=${JSON.stringify(raw)} is not one of A N D T P I; using A`);
        break;
      }
      case 'ET': {
        const et = raw.trim().toUpperCase();
        if (et === 'T' || et === 'P') params.echoType = et;
        else warnings.push(`ET=${JSON.stringify(raw)} is not T or P; using T`);
        break;
      }
    }
  }
  for (const k of Object.keys(params) as (keyof UiParams)[]) if (params[k] === undefined) delete params[k];
  return { params, warnings };
}
