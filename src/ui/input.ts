// Text input (alert 1102) checked and put into the wire form the server expects for each input type (docs/protocol.md §1.8):
// A alphanumeric (anything), N numeric (digits, one decimal point, a leading sign), D a date sent as DDMMYYYY,
// T a time sent as hhmmss, P a phone number (digits, `+` only first, `p`, `w`, `s`), I an IPv4 address sent as a
// dotted quad. People type dates and times in several ways; all common ones are accepted and normalised here so
// that the TTY can re-ask with a precise reason and the headless defaults can be checked at start-up.
import type { InputType } from './params.js';

export type TextCheck = { ok: true; value: string } | { ok: false; reason: string };

function pad2(n: number): string {
  return (n < 10 ? '0' : '') + n;
}

function daysInMonth(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].indexOf(month) >= 0 ? 30 : 31;
}

/** Date → `DDMMYYYY`. Accepts DDMMYYYY, DD.MM.YYYY, DD/MM/YYYY, DD-MM-YYYY and ISO YYYY-MM-DD. */
export function formatDate(input: string): TextCheck {
  const s = input.trim();
  let d: number, m: number, y: number;
  let g = /^([0-9]{2})([0-9]{2})([0-9]{4})$/.exec(s);
  if (g) {
    d = +g[1];
    m = +g[2];
    y = +g[3];
  } else if ((g = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$/.exec(s))) {
    y = +g[1];
    m = +g[2];
    d = +g[3];
  } else if ((g = /^([0-9]{1,2})[./-]([0-9]{1,2})[./-]([0-9]{4})$/.exec(s))) {
    d = +g[1];
    m = +g[2];
    y = +g[3];
  } else return { ok: false, reason: 'a date is expected, as DD.MM.YYYY, DDMMYYYY or YYYY-MM-DD' };
  if (m < 1 || m > 12) return { ok: false, reason: `month ${m} does not exist` };
  if (d < 1 || d > daysInMonth(m, y)) return { ok: false, reason: `day ${d} does not exist in month ${m} of ${y}` };
  return { ok: true, value: pad2(d) + pad2(m) + String(y) };
}

/** Time → `hhmmss` (24 h). Accepts hh:mm, hh:mm:ss, hhmm and hhmmss. */
export function formatTime(input: string): TextCheck {
  const s = input.trim();
  const g = /^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$/.exec(s) || /^([0-9]{2})([0-9]{2})([0-9]{2})?$/.exec(s);
  if (!g) return { ok: false, reason: 'a time is expected, as hh:mm, hh:mm:ss or hhmmss' };
  const h = +g[1];
  const mi = +g[2];
  const se = g[3] === undefined ? 0 : +g[3];
  if (h > 23 || mi > 59 || se > 59) return { ok: false, reason: `${s} is not a time of day` };
  return { ok: true, value: pad2(h) + pad2(mi) + pad2(se) };
}

/** IPv4 → dotted quad `xxx.yyy.zzz.www` with each part 0..255, leading zeros removed. */
export function formatIpv4(input: string): TextCheck {
  const s = input.trim();
  const g = /^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$/.exec(s);
  if (!g) return { ok: false, reason: 'an IPv4 address is expected, as 192.168.1.10' };
  const parts = [+g[1], +g[2], +g[3], +g[4]];
  for (const p of parts) if (p > 255) return { ok: false, reason: `${p} is more than 255 in ${s}` };
  return { ok: true, value: parts.join('.') };
}

/** Checks a typed answer against the input type and MAXLEN and returns what goes in the Status Item Data. */
export function checkTextInput(input: string, inputType: InputType, maxLength?: number): TextCheck {
  let r: TextCheck;
  switch (inputType) {
    case 'A':
      r = { ok: true, value: input };
      break;
    case 'N':
      r = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(input.trim())
        ? { ok: true, value: input.trim() }
        : { ok: false, reason: 'a number is expected (digits, one decimal point, optional sign)' };
      break;
    case 'D':
      r = formatDate(input);
      break;
    case 'T':
      r = formatTime(input);
      break;
    case 'P':
      r = /^\+?[0-9pws]+$/.test(input.trim())
        ? { ok: true, value: input.trim() }
        : { ok: false, reason: 'a phone number is expected (digits, + first, p, w, s)' };
      break;
    case 'I':
      r = formatIpv4(input);
      break;
    default:
      r = { ok: false, reason: `unknown input type ${String(inputType)}` };
  }
  if (r.ok && maxLength !== undefined && r.value.length > maxLength)
    return { ok: false, reason: `at most ${maxLength} characters are allowed, got ${r.value.length}` };
  return r;
}
