// Component manifests: one JSON file per component that no package manager knows (modem firmware, a container
// image, an FPGA bitstream...). Schema, validated field by field so a typo in the field is named in the error:
//
//   { "id": "modem-fw",            required, 1..256 chars, no control characters
//     "name": "Modem firmware",    required, 1..256 chars
//     "version": "2.4.1",          required, non-empty
//     "description": "...",        optional string
//     "state": "active",           optional, "active" | "inactive" (default active)  → Deployed/<x>/State 20 | 10
//     "service": "modem-manager",  optional, service started/stopped on Activate/Deactivate
//     "pkgIdRef": "pkg-17" }       optional, the delivery package it came from
//
// A file may also hold an array of such objects.

import { Component, InventoryError } from './component.js';

export class ManifestError extends InventoryError {
  constructor(message: string, origin: string) {
    super(message, origin);
    this.name = 'ManifestError';
  }
}

const KNOWN = ['id', 'name', 'version', 'description', 'state', 'service', 'pkgIdRef'];

function text(obj: Record<string, unknown>, key: string, origin: string, required: boolean, max = 256): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) throw new ManifestError(`missing required field "${key}"`, origin);
    return undefined;
  }
  if (typeof v !== 'string') throw new ManifestError(`field "${key}" must be a string, got ${typeof v}`, origin);
  if (required && v.trim() === '') throw new ManifestError(`field "${key}" must not be empty`, origin);
  if (v.length > max) throw new ManifestError(`field "${key}" is longer than ${max} characters`, origin);
  if (/[\u0000-\u001f\u007f]/.test(v) && key !== 'description')
    throw new ManifestError(`field "${key}" contains a control character`, origin);
  return v;
}

/** Validates one parsed manifest object. */
export function validateManifest(value: unknown, origin: string): Component {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ManifestError('manifest must be a JSON object', origin);
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (KNOWN.indexOf(k) < 0) throw new ManifestError(`unknown field "${k}" (allowed: ${KNOWN.join(', ')})`, origin);
  const c: Component = {
    id: text(obj, 'id', origin, true) as string,
    name: text(obj, 'name', origin, true) as string,
    version: text(obj, 'version', origin, true, 128) as string,
    state: 'active',
    source: 'manifest',
  };
  const description = text(obj, 'description', origin, false, 4096);
  if (description !== undefined) c.description = description;
  const state = obj.state;
  if (state !== undefined) {
    if (state !== 'active' && state !== 'inactive')
      throw new ManifestError(`field "state" must be "active" or "inactive", got ${JSON.stringify(state)}`, origin);
    c.state = state;
  }
  const service = text(obj, 'service', origin, false);
  if (service !== undefined) c.service = service;
  const pkgIdRef = text(obj, 'pkgIdRef', origin, false);
  if (pkgIdRef !== undefined) c.pkgIdRef = pkgIdRef;
  return c;
}

/** Parses and validates the text of one manifest file (an object or an array of objects). */
export function parseManifest(json: string, origin: string): Component[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new ManifestError(`not valid JSON: ${(e as Error).message}`, origin);
  }
  if (Array.isArray(value)) return value.map((v, i) => validateManifest(v, `${origin}[${i}]`));
  return [validateManifest(value, origin)];
}
