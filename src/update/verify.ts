// Package verification before anything is written to a slot (docs/design.md "Update safety": verify before you write).
// Result codes (docs/protocol.md §5.4), chosen so a server can tell the causes apart:
//   402 Corrupted package       — SHA-256 or size differs from the expected value (descriptor, FUMO Ext or manifest)
//   403 Device mismatch         — the manifest names other hardware
//   404 Failed validation       — signature required but missing, malformed or not by a trusted key
//   405 Not acceptable          — downgrade (or same version when reinstall is refused) by policy
// On any of these nothing has been written to either slot: the writer is only opened after `verifyPackage` returns.

import { base64Decode, hex } from '../bytes.js';
import { UpdateError } from './errors.js';
import { compareVersions, parseManifest, verifyEd25519, UpdateManifest } from './manifest.js';

export interface VerificationPolicy {
  /** Require a manifest signed by one of `publicKeys` (ed25519, 32-byte keys as hex). */
  requireSignature: boolean;
  publicKeys: string[];
  /** Hardware identifier of this device, checked against the manifest's `hardware` list. */
  hardware?: string;
  /** Running firmware version; with `refuseDowngrade` a lower manifest version is refused (405). */
  currentVersion?: string;
  refuseDowngrade?: boolean;
  /** Also refuse the same version (SWUpdate -R). */
  refuseReinstall?: boolean;
  /** Refuse packages for which no SHA-256 is known at all (default true). */
  requireHash?: boolean;
}

/** What the job knows about the package besides its bytes. */
export interface PackageClaims {
  /** Expected SHA-256 (hex) from the DD installParam, FUMO Ext, or the job request. */
  sha256?: string;
  /** Expected size in bytes (DD `size`). */
  size?: number;
  /** Manifest bytes and detached signature, base64 (as carried in installParam or Ext). */
  manifestB64?: string;
  signatureB64?: string;
}

export interface VerifiedPackage {
  sha256: string;
  size: number;
  version?: string;
  manifest?: UpdateManifest;
}

function decodeB64(what: string, text: string): Uint8Array {
  try {
    return base64Decode(text);
  } catch (e) {
    throw new UpdateError('bad-signature', `${what} is not base64: ${(e as Error).message}`);
  }
}

/**
 * Checks the metadata before the download (signature, hardware, version): fails fast without fetching megabytes.
 * Returns the parsed manifest, if any.
 */
export function checkClaims(claims: PackageClaims, policy: VerificationPolicy): UpdateManifest | undefined {
  let manifest: UpdateManifest | undefined;
  if (claims.manifestB64 !== undefined) {
    const bytes = decodeB64('update manifest', claims.manifestB64);
    if (policy.requireSignature) {
      if (claims.signatureB64 === undefined) throw new UpdateError('bad-signature', 'update manifest is not signed');
      const sig = decodeB64('manifest signature', claims.signatureB64);
      if (!verifyEd25519(bytes, sig, policy.publicKeys))
        throw new UpdateError('bad-signature', 'manifest signature does not verify with any trusted key');
    }
    manifest = parseManifest(bytes);
  } else if (policy.requireSignature) {
    throw new UpdateError('bad-signature', 'a signed manifest is required and none was provided');
  }
  if (manifest) {
    if (claims.sha256 !== undefined && claims.sha256.toLowerCase() !== manifest.sha256)
      throw new UpdateError('corrupt', 'the announced SHA-256 differs from the signed manifest');
    if (claims.size !== undefined && manifest.size !== undefined && claims.size !== manifest.size)
      throw new UpdateError('corrupt', `the announced size ${claims.size} differs from the manifest size ${manifest.size}`);
    if (policy.hardware !== undefined && manifest.hardware.indexOf(policy.hardware) < 0)
      throw new UpdateError('device-mismatch', `package is for ${manifest.hardware.join(', ')}, this device is ${policy.hardware}`);
    if (policy.currentVersion !== undefined && (policy.refuseDowngrade || policy.refuseReinstall)) {
      const c = compareVersions(manifest.version, policy.currentVersion);
      if (policy.refuseDowngrade && c < 0)
        throw new UpdateError('not-acceptable', `downgrade from ${policy.currentVersion} to ${manifest.version} refused`);
      if (policy.refuseReinstall && c === 0)
        throw new UpdateError('not-acceptable', `version ${manifest.version} is already installed`);
    }
  }
  if (!manifest && claims.sha256 === undefined && policy.requireHash !== false)
    throw new UpdateError('bad-signature', 'no SHA-256 is known for the package (descriptor, Ext or manifest)');
  if (claims.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(claims.sha256))
    throw new UpdateError('bad-signature', `announced SHA-256 ${JSON.stringify(claims.sha256)} is not 64 hex digits`);
  return manifest;
}

/** The expected hash: the signed manifest wins over unsigned claims. */
export function expectedSha256(claims: PackageClaims, manifest: UpdateManifest | undefined): string | undefined {
  if (manifest) return manifest.sha256;
  return claims.sha256 === undefined ? undefined : claims.sha256.toLowerCase();
}

/** Checks the downloaded bytes' digest and size against the claims. Throws UpdateError(402). */
export function verifyDigest(
  actualSha256: Uint8Array | string,
  actualSize: number,
  claims: PackageClaims,
  manifest: UpdateManifest | undefined,
): VerifiedPackage {
  const got = typeof actualSha256 === 'string' ? actualSha256.toLowerCase() : hex(actualSha256);
  const want = expectedSha256(claims, manifest);
  const wantSize = manifest && manifest.size !== undefined ? manifest.size : claims.size;
  if (wantSize !== undefined && wantSize !== actualSize)
    throw new UpdateError('corrupt', `package is ${actualSize} bytes, expected ${wantSize}`);
  if (want !== undefined && want !== got)
    throw new UpdateError('corrupt', `package SHA-256 ${got} differs from the expected ${want}`);
  const out: VerifiedPackage = { sha256: got, size: actualSize };
  if (manifest) {
    out.manifest = manifest;
    out.version = manifest.version;
  }
  return out;
}
