// What `dm-agent request …` asks for, as data: read from the command line, and (for a request handed to a running
// daemon, docs/handoff.md) written to and read back from the state directory's request spool. Kept apart from the
// command so that the daemon reads the very same fields the command line accepts, checked the same way.
import type { RequestOrigin } from '../alerts/update-request.js';
import { UsageError } from './args.js';
import { InputError } from './errors.js';

export interface RequestSpec {
  origin: RequestOrigin;
  /** fumo: `node` is the --fumo value (absent: config request.fumoNode); scomo: `component` is --component ID. */
  target: { kind: 'fumo'; node?: string } | { kind: 'scomo'; component?: string };
  data?: string;
  mark?: string;
  /** --server URL (the command line's override of server.url). */
  serverUrl?: string;
  xml: boolean;
  retry: boolean;
}

/** The request the command line's options ask for; UsageError (exit 2) names the options that do not go together. */
export function requestSpecFromOptions(words: string[], o: Record<string, string | true>): RequestSpec {
  if (words.length > 0) throw new UsageError(`request takes no words, got ${JSON.stringify(words[0])}`);
  if (!!o.device === !!o.user) throw new UsageError('request needs exactly one of --device or --user');
  const scomoWanted = !!o.scomo || typeof o.component === 'string';
  if (scomoWanted && typeof o.fumo === 'string') throw new UsageError('--fumo cannot be combined with --scomo or --component');
  if (o.scomo && typeof o.component === 'string') throw new UsageError('--scomo (all components) cannot be combined with --component ID');
  const spec: RequestSpec = {
    origin: o.user ? 'user' : 'device',
    target: scomoWanted ? { kind: 'scomo' } : { kind: 'fumo' },
    xml: !!o.xml,
    retry: !o['no-retry'],
  };
  if (spec.target.kind === 'scomo' && typeof o.component === 'string') spec.target.component = o.component;
  if (spec.target.kind === 'fumo' && typeof o.fumo === 'string') spec.target.node = o.fumo;
  if (typeof o.data === 'string') spec.data = o.data;
  if (typeof o.mark === 'string') spec.mark = o.mark;
  if (typeof o.server === 'string') spec.serverUrl = o.server;
  return spec;
}

/**
 * A spec read back from a spool file: every field checked, since the file may have been written by another version of
 * the agent or by hand. InputError (exit 8) names the field.
 */
export function requestSpecFromJson(value: unknown): RequestSpec {
  const fail = (what: string): never => {
    throw new InputError(`handed-over request: ${what}`);
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('not a JSON object');
  const v = value as Record<string, unknown>;
  const known = ['origin', 'target', 'data', 'mark', 'serverUrl', 'xml', 'retry'];
  for (const k of Object.keys(v)) if (known.indexOf(k) < 0) fail(`unknown field ${JSON.stringify(k)}`);
  if (v.origin !== 'user' && v.origin !== 'device') fail('origin must be "user" or "device"');
  const t = v.target as Record<string, unknown> | undefined;
  if (!t || typeof t !== 'object' || (t.kind !== 'fumo' && t.kind !== 'scomo')) fail('target.kind must be "fumo" or "scomo"');
  const target = t as Record<string, unknown>;
  const optionalText = (x: unknown, name: string): string | undefined => {
    if (x === undefined) return undefined;
    if (typeof x !== 'string') fail(`${name} must be a string`);
    return x as string;
  };
  if (typeof v.xml !== 'boolean') fail('xml must be true or false');
  if (typeof v.retry !== 'boolean') fail('retry must be true or false');
  const spec: RequestSpec = {
    origin: v.origin as RequestOrigin,
    target: target.kind === 'fumo' ? { kind: 'fumo' } : { kind: 'scomo' },
    xml: v.xml as boolean,
    retry: v.retry as boolean,
  };
  for (const k of Object.keys(target)) if (k !== 'kind' && k !== (target.kind === 'fumo' ? 'node' : 'component')) fail(`unknown field target.${k}`);
  const node = optionalText(target.node, 'target.node');
  const component = optionalText(target.component, 'target.component');
  if (spec.target.kind === 'fumo' && node !== undefined) spec.target.node = node;
  if (spec.target.kind === 'scomo' && component !== undefined) spec.target.component = component;
  const data = optionalText(v.data, 'data');
  const mark = optionalText(v.mark, 'mark');
  const serverUrl = optionalText(v.serverUrl, 'serverUrl');
  if (data !== undefined) spec.data = data;
  if (mark !== undefined) spec.mark = mark;
  if (serverUrl !== undefined) spec.serverUrl = serverUrl;
  return spec;
}
