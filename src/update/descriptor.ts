// OMA DL 1.0 download descriptor (docs/protocol.md §7.1): `<media xmlns="http://www.openmobilealliance.org/xmlns/dd">` with
// type (required, may repeat), objectURI (required), size (required), installNotifyURI, DDVersion, name, vendor,
// description, nextURL, infoURL, iconURI, installParam. Missing required elements → 906, DDVersion major ≠ 1 → 951.

import { XMLParser } from '../xml-parser.js';
import { UpdateError } from './errors.js';
import { InstallNotify } from './install-notify.js';
import { utf8Decode } from '../bytes.js';

export const DD_MIME = 'application/vnd.oma.dd+xml';

export interface DownloadDescriptor {
  ddVersion: string;
  types: string[];
  objectUri: string;
  size: number;
  installNotifyUri?: string;
  nextUrl?: string;
  name?: string;
  vendor?: string;
  description?: string;
  /** Raw installParam text. */
  installParam?: string;
  /** installParam parsed as `key=value;key=value` (FOTA tools' convention, docs/protocol.md §7.1). */
  params: Record<string, string>;
}

/** An invalid descriptor: FUMO 411 (the PkgURL led to no usable package; docs/protocol.md §7.2 suggests 411 or 400), DL 906/951. */
export class DescriptorError extends UpdateError {
  constructor(notifyCode: number, message: string) {
    super('bad-url', message, notifyCode);
    this.name = 'DescriptorError';
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => name === 'type',
});

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return text(v[0]);
  if (typeof v === 'object' && '#text' in (v as Record<string, unknown>)) return text((v as Record<string, unknown>)['#text']);
  return undefined;
}

export function parseInstallParam(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out[part.substring(0, eq).trim()] = part.substring(eq + 1).trim();
  }
  return out;
}

/** Parses a DD document; throws DescriptorError (906 invalid, 951 bad DDVersion) naming what is wrong. */
export function parseDescriptor(body: Uint8Array | string): DownloadDescriptor {
  const xml = typeof body === 'string' ? body : utf8Decode(body);
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch (e) {
    throw new DescriptorError(InstallNotify.InvalidDescriptor, `download descriptor is not well-formed XML: ${(e as Error).message}`);
  }
  const media = doc && (doc['media'] as Record<string, unknown> | undefined);
  if (!media || typeof media !== 'object') throw new DescriptorError(InstallNotify.InvalidDescriptor, 'download descriptor has no <media> root');
  const ddVersion = text(media['DDVersion']) || '1.0';
  const major = /^\s*(\d+)/.exec(ddVersion);
  if (!major || Number(major[1]) !== 1)
    throw new DescriptorError(InstallNotify.InvalidDDVersion, `unsupported DDVersion ${JSON.stringify(ddVersion)} (only 1.x)`);
  const types: string[] = [];
  const rawTypes = media['type'];
  if (Array.isArray(rawTypes)) for (const t of rawTypes) {
    const s = text(t);
    if (s) types.push(s);
  }
  if (types.length === 0) throw new DescriptorError(InstallNotify.InvalidDescriptor, 'download descriptor has no <type>');
  const objectUri = text(media['objectURI']);
  if (!objectUri) throw new DescriptorError(InstallNotify.InvalidDescriptor, 'download descriptor has no <objectURI>');
  const sizeText = text(media['size']);
  if (sizeText === undefined) throw new DescriptorError(InstallNotify.InvalidDescriptor, 'download descriptor has no <size>');
  const cleaned = sizeText.replace(/,/g, ''); // CHROMIUM tolerates `1,000` (docs/protocol.md §7.1)
  if (!/^\d+$/.test(cleaned) || !(Number(cleaned) <= Number.MAX_SAFE_INTEGER))
    throw new DescriptorError(InstallNotify.InvalidDescriptor, `download descriptor <size> ${JSON.stringify(sizeText)} is not a byte count`);
  const dd: DownloadDescriptor = { ddVersion, types, objectUri, size: Number(cleaned), params: {} };
  const opt: Array<[keyof DownloadDescriptor, string]> = [
    ['installNotifyUri', 'installNotifyURI'],
    ['nextUrl', 'nextURL'],
    ['name', 'name'],
    ['vendor', 'vendor'],
    ['description', 'description'],
    ['installParam', 'installParam'],
  ];
  for (const [key, el] of opt) {
    const v = text(media[el]);
    if (v !== undefined && v !== '') (dd as unknown as Record<string, unknown>)[key] = v;
  }
  dd.params = parseInstallParam(dd.installParam);
  return dd;
}

/** True when a response is a descriptor rather than the package itself (by MIME type, or by a `.dd` URL). */
export function looksLikeDescriptor(contentType: string | undefined, url: string): boolean {
  if (contentType && contentType.toLowerCase().split(';')[0].trim() === DD_MIME) return true;
  return /\.dd(\?|$)/i.test(url);
}
