// From a server's user-interaction Alert (codes 1100-1104) to the UiRequest the UI port shows (docs/protocol.md §1.8).
// Item 1 = optional parameters, Item 2 = the text (title for choices), Items 3.. = the choices, numbered from 1.
// Local limits cap what a server may ask for (an hour-long MAXDT would stall the session; digest FLOWS E:
// "every wait has a timeout"), and every cap that bites is reported as a warning for the log.
import { isValidUtf8, utf8Decode } from '../bytes.js';
import type { Alert, Data } from '../syncml/model.js';
import type { Log, UiRequest } from '../ports/runtime.js';
import { parseUiParams } from './params.js';

export const UI_ALERT = { DISPLAY: 1100, CONFIRM: 1101, TEXT_INPUT: 1102, SINGLE_CHOICE: 1103, MULTIPLE_CHOICE: 1104 } as const;

/** True for the DM 1.2 user-interaction alert codes 1100-1104 (docs/protocol.md §1.7). */
export function isUiAlertCode(code: string | number | undefined): boolean {
  const n = typeof code === 'number' ? code : parseInt(String(code === undefined ? '' : code).trim(), 10);
  return n >= 1100 && n <= 1104;
}

/** What this device is willing to show; the values of `ui.maxWaitSeconds` etc. in the configuration. */
export interface UiLimits {
  /** Cap on MAXDT, and the wait used when the server sends none (seconds). */
  maxWaitSeconds: number;
  /** Cap on MINDT (seconds). */
  maxMinDisplaySeconds: number;
  /** Cap on MAXLEN, and the length used when the server sends none. */
  maxTextLength: number;
  /** Texts (prompt or choice) longer than this are cut, with a warning. */
  maxPromptChars: number;
  /** More choices than this cannot be shown: Status 416. */
  maxChoices: number;
}

export const DEFAULT_UI_LIMITS: UiLimits = {
  maxWaitSeconds: 300,
  maxMinDisplaySeconds: 60,
  maxTextLength: 1024,
  maxPromptChars: 4096,
  maxChoices: 64,
};

export type ParsedUiAlert =
  | { request: UiRequest; warnings: string[] }
  /** The alert cannot be shown at all; answer it with this Status code (docs/protocol.md §1.6/§1.8). */
  | { status: number; reason: string };

function dataText(data: Data | undefined): string | undefined {
  if (data === undefined) return undefined;
  if (typeof data === 'string') return data;
  return isValidUtf8(data) ? utf8Decode(data) : undefined;
}

function clamp(name: string, value: number | undefined, max: number, warnings: string[]): number {
  if (value === undefined) return max;
  if (value > max) {
    warnings.push(`${name}=${value} is more than the configured maximum ${max}; using ${max}`);
    return max;
  }
  return value;
}

function cut(what: string, text: string, limits: UiLimits, warnings: string[]): string {
  if (text.length <= limits.maxPromptChars) return text;
  warnings.push(`${what} has ${text.length} characters; cut to ${limits.maxPromptChars}`);
  return text.slice(0, limits.maxPromptChars);
}

/**
 * Builds the request to show, or the Status to answer with when it cannot be shown: 406 for an alert code that is not
 * a UI alert, 412 when Items are missing (docs/protocol.md §1.6 "incomplete command"), 416 when there are more choices than the
 * device can show. Warnings (bad or clamped parameters) are also sent to `log` when one is given.
 */
export function parseUiAlert(alert: Alert, limits: UiLimits = DEFAULT_UI_LIMITS, log?: Log): ParsedUiAlert {
  const result = parse(alert, limits);
  if (log) {
    if ('request' in result) {
      for (const w of result.warnings) log.log('warn', 'UI alert parameter: ' + w, { cmdID: alert.cmdID, alert: alert.data });
    } else log.log('warn', 'UI alert refused: ' + result.reason, { cmdID: alert.cmdID, alert: alert.data, status: result.status });
  }
  return result;
}

function parse(alert: Alert, limits: UiLimits): ParsedUiAlert {
  const code = parseInt(String(alert.data === undefined ? '' : alert.data).trim(), 10);
  if (!isUiAlertCode(code)) return { status: 406, reason: `alert code ${JSON.stringify(alert.data)} is not a UI alert (1100-1104)` };
  const items = alert.items || [];
  if (items.length < 2) return { status: 412, reason: `alert ${code} needs at least 2 Items (parameters, text), got ${items.length}` };

  const paramText = dataText(items[0].data);
  if (items[0].data !== undefined && paramText === undefined)
    return { status: 412, reason: `alert ${code} Item 1 (parameters) is binary data, not text` };
  const { params, warnings } = parseUiParams(paramText);
  const raw = dataText(items[1].data);
  if (raw === undefined && items[1].data !== undefined) return { status: 415, reason: `alert ${code} Item 2 (text) is binary data, not text` };
  const text = cut('the alert text', raw === undefined ? '' : raw, limits, warnings);
  const maxWaitSeconds = clamp('MAXDT', params.maxWaitSeconds, limits.maxWaitSeconds, warnings);
  const dr = params.defaultResponse;

  switch (code) {
    case UI_ALERT.DISPLAY: {
      const minDisplaySeconds = params.minDisplaySeconds === undefined ? undefined : clamp('MINDT', params.minDisplaySeconds, limits.maxMinDisplaySeconds, warnings);
      const request: UiRequest = { kind: 'display', text, maxWaitSeconds };
      if (minDisplaySeconds !== undefined) request.minDisplaySeconds = minDisplaySeconds;
      return { request, warnings };
    }
    case UI_ALERT.CONFIRM: {
      const request: UiRequest = { kind: 'confirm', text, maxWaitSeconds };
      if (dr !== undefined) {
        if (dr.trim() === '1') request.defaultYes = true;
        else if (dr.trim() === '0') request.defaultYes = false;
        else warnings.push(`DR=${JSON.stringify(dr)} is not 0 or 1 for a confirmation; no default`);
      }
      return { request, warnings };
    }
    case UI_ALERT.TEXT_INPUT: {
      const maxLength = clamp('MAXLEN', params.maxLength, limits.maxTextLength, warnings);
      const request: UiRequest = {
        kind: 'text',
        text,
        inputType: params.inputType || 'A',
        echo: params.echoType || 'T',
        maxLength,
        maxWaitSeconds,
      };
      if (dr !== undefined) {
        if (dr.length > maxLength) warnings.push(`DR has ${dr.length} characters, more than MAXLEN ${maxLength}; cut`);
        request.defaultText = dr.slice(0, maxLength);
      }
      return { request, warnings };
    }
    default: {
      // 1103 / 1104: Items 3.. are the choices, numbered from 1.
      const choiceItems = items.slice(2);
      if (choiceItems.length === 0) return { status: 412, reason: `alert ${code} has no choices (Items 3..)` };
      if (choiceItems.length > limits.maxChoices)
        return { status: 416, reason: `alert ${code} has ${choiceItems.length} choices, more than the ${limits.maxChoices} this device shows` };
      const choices: string[] = [];
      for (let i = 0; i < choiceItems.length; i++) {
        const c = dataText(choiceItems[i].data);
        if (c === undefined && choiceItems[i].data !== undefined) return { status: 415, reason: `alert ${code} choice ${i + 1} is binary data, not text` };
        choices.push(cut(`choice ${i + 1}`, c === undefined ? '' : c.trim(), limits, warnings));
      }
      const single = code === UI_ALERT.SINGLE_CHOICE;
      const defaults = dr === undefined ? [] : choiceDefaults(dr, choices.length, single, warnings);
      return { request: { kind: single ? 'single' : 'multiple', text, choices, defaults, maxWaitSeconds }, warnings };
    }
  }
}

/**
 * DR for choices: one index for a single choice, several for a multiple choice. The spec's example `DR=2-3` means
 * "items 2 and 3", so `-` separates indexes (it is not a range); `,` and spaces are accepted too (the Motorola engine's
 * test sends `1-3,6`). Indexes outside 1..count are dropped with a warning.
 */
export function choiceDefaults(dr: string, count: number, single: boolean, warnings: string[]): number[] {
  const out: number[] = [];
  for (const part of dr.split(/[-,\s]+/)) {
    if (part === '') continue;
    if (!/^[0-9]+$/.test(part)) {
      warnings.push(`DR part ${JSON.stringify(part)} is not a choice number; ignored`);
      continue;
    }
    const n = parseInt(part, 10);
    if (n < 1 || n > count) warnings.push(`DR choice ${n} is outside 1..${count}; ignored`);
    else if (out.indexOf(n) < 0) out.push(n);
  }
  if (single && out.length > 1) {
    warnings.push(`DR names ${out.length} choices for a single choice; using the first`);
    out.length = 1;
  }
  return out.sort((a, b) => a - b);
}
