import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as ed from '@noble/ed25519';
import { parseDescriptor, looksLikeDescriptor, DescriptorError, parseInstallParam } from '../src/update/descriptor.js';
import { installNotifyBody, notifyCodeForResult } from '../src/update/install-notify.js';
import { checkPackageUrl, parseHttpUrl, resolveUrl } from '../src/update/url-policy.js';
import { compareVersions, parseManifest, verifyEd25519 } from '../src/update/manifest.js';
import { checkClaims, verifyDigest } from '../src/update/verify.js';
import { UpdateError, failureForHttpStatus, failureForTransfer } from '../src/update/errors.js';
import { FUMO_RESULT_FOR } from '../src/fumo/result-codes.js';
const resultForTransfer = (k: Parameters<typeof failureForTransfer>[0]) => FUMO_RESULT_FOR[failureForTransfer(k)];
const resultForHttpStatus = (s: number) => FUMO_RESULT_FOR[failureForHttpStatus(s)];
import { base64Encode, fromHex, hex, utf8Encode } from '../src/bytes.js';
import { sha256 } from '@noble/hashes/sha2';
import { fumoResultFor } from '../src/fumo/result-codes.js';

function codeOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof UpdateError) return fumoResultFor(e);
    throw e;
  }
  throw new Error('expected UpdateError');
}

describe('OMA DL descriptor (docs/protocol.md §7.1)', () => {
  const digestExample = `<media xmlns="http://www.openmobilealliance.org/xmlns/dd">
  <DDVersion>1.0</DDVersion>
  <name>Firmware Update</name>
  <type>application/octet-stream</type>
  <size>10485760</size>
  <objectURI>https://dl.example.com/pkg/1234.bin</objectURI>
  <installNotifyURI>https://dl.example.com/notify/1234</installNotifyURI>
  <vendor>Example</vendor>
</media>`;

  it('parses the digest example', () => {
    expect(parseDescriptor(digestExample)).toMatchObject({
      ddVersion: '1.0',
      name: 'Firmware Update',
      types: ['application/octet-stream'],
      size: 10485760,
      objectUri: 'https://dl.example.com/pkg/1234.bin',
      installNotifyUri: 'https://dl.example.com/notify/1234',
      vendor: 'Example',
    });
  });

  it('accepts repeated types, a prefixed namespace, entities, `1,000` sizes and installParam pairs', () => {
    const dd = parseDescriptor(
      `<?xml version="1.0"?><dd:media xmlns:dd="http://www.openmobilealliance.org/xmlns/dd"><dd:type>a/b</dd:type><dd:type>c/d</dd:type>` +
        `<dd:size>1,000</dd:size><dd:objectURI>http://h/x?a=1&amp;b=2</dd:objectURI><dd:installParam>sha256=ab; ver = 2 ;junk</dd:installParam></dd:media>`,
    );
    expect(dd.types).toEqual(['a/b', 'c/d']);
    expect(dd.size).toBe(1000);
    expect(dd.objectUri).toBe('http://h/x?a=1&b=2');
    expect(dd.ddVersion).toBe('1.0'); // absent = 1.0
    expect(dd.params).toEqual({ sha256: 'ab', ver: '2' });
  });

  it.each([
    ['no type', '<media><size>1</size><objectURI>http://h/x</objectURI></media>', 906],
    ['no size', '<media><type>a/b</type><objectURI>http://h/x</objectURI></media>', 906],
    ['no objectURI', '<media><type>a/b</type><size>1</size></media>', 906],
    ['bad size', '<media><type>a/b</type><size>-1</size><objectURI>http://h/x</objectURI></media>', 906],
    ['wrong root', '<foo/>', 906],
    ['DDVersion 2.0', '<media><DDVersion>2.0</DDVersion><type>a/b</type><size>1</size><objectURI>http://h/x</objectURI></media>', 951],
  ])('rejects %s', (_n, xml, notify) => {
    try {
      parseDescriptor(xml);
      throw new Error('parsed');
    } catch (e) {
      expect(e).toBeInstanceOf(DescriptorError);
      expect((e as DescriptorError).notifyCode).toBe(notify);
      expect(fumoResultFor(e as DescriptorError)).toBe(411);
    }
  });

  it('recognises descriptors by MIME type or .dd URL', () => {
    expect(looksLikeDescriptor('application/vnd.oma.dd+xml; charset=utf-8', 'http://h/x')).toBe(true);
    expect(looksLikeDescriptor('application/octet-stream', 'http://h/fw.dd')).toBe(true);
    expect(looksLikeDescriptor('application/octet-stream', 'http://h/fw.bin')).toBe(false);
    expect(parseInstallParam(undefined)).toEqual({});
  });

  it('never throws anything but DescriptorError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseDescriptor(s);
        } catch (e) {
          expect(e).toBeInstanceOf(DescriptorError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('install-notify (docs/protocol.md §7.2)', () => {
  it('formats status lines and maps FUMO results', () => {
    expect(installNotifyBody(900)).toBe('900 Success');
    expect(installNotifyBody(954)).toBe('954 Loader Error');
    expect(() => installNotifyBody(904)).toThrow(RangeError);
    expect(notifyCodeForResult(200)).toBe(900);
    expect(notifyCodeForResult(402)).toBe(905);
    expect(notifyCodeForResult(501)).toBe(901);
    expect(notifyCodeForResult(503)).toBe(903);
    expect(notifyCodeForResult(409)).toBe(952);
  });
});

describe('URL policy', () => {
  const policy = { allowedHosts: ['dl.example.com', '*.cdn.example.net'] };
  it('accepts allowed http(s) hosts and sub-domain wildcards', () => {
    expect(checkPackageUrl('https://dl.example.com/a.bin', policy)).toMatchObject({ scheme: 'https', host: 'dl.example.com', port: 443, path: '/a.bin' });
    expect(checkPackageUrl('http://eu.cdn.example.net:8080/x?y=1', policy)).toMatchObject({ port: 8080, path: '/x?y=1' });
    expect(parseHttpUrl('http://[::1]:81')).toMatchObject({ host: '::1', port: 81, path: '/' });
  });
  it.each([
    'file:///etc/passwd',
    'ftp://dl.example.com/a',
    'https://u:p@dl.example.com/a',
    'https://u@dl.example.com/a',
    'https://cdn.example.net/a', // the wildcard needs a sub-domain
    'https://dl.example.com.evil.org/a',
    'https://dl.example.com:0/a',
    'https://dl.example.com:70000/a',
    'javascript:alert(1)',
    'https://dl.example.com/a b',
    '',
  ])('refuses %j with 411', (u) => {
    expect(codeOf(() => checkPackageUrl(u, policy))).toBe(411);
  });
  it('refuses plain http when configured', () => {
    expect(codeOf(() => checkPackageUrl('http://dl.example.com/a', { allowedHosts: [], allowHttp: false }))).toBe(411);
  });
  it('resolves relative objectURIs', () => {
    expect(resolveUrl('http://h:1/a/b.dd', 'c.bin')).toBe('http://h:1/a/c.bin');
    expect(resolveUrl('http://h:1/a/b.dd', '/c.bin')).toBe('http://h:1/c.bin');
    expect(resolveUrl('https://h/a/b.dd', '//g/c.bin')).toBe('https://g/c.bin');
    expect(resolveUrl('http://h/a/b.dd', 'https://x/y')).toBe('https://x/y');
  });
});

describe('manifest, signature and versions', () => {
  const priv = ed.utils.randomPrivateKey();
  const pub = hex(ed.getPublicKey(priv));
  const otherPub = hex(ed.getPublicKey(ed.utils.randomPrivateKey()));
  const img = utf8Encode('firmware image');
  const manifestBytes = utf8Encode(JSON.stringify({ sha256: hex(sha256(img)), size: img.length, version: '3.0.1', hardware: 'gw-1' }));
  const sig = ed.sign(manifestBytes, priv);

  it('verifies with any trusted key and rejects tampering', () => {
    expect(verifyEd25519(manifestBytes, sig, [otherPub, pub])).toBe(true);
    expect(verifyEd25519(manifestBytes, sig, [otherPub])).toBe(false);
    const tampered = manifestBytes.slice();
    tampered[5] ^= 1;
    expect(verifyEd25519(tampered, sig, [pub])).toBe(false);
    expect(verifyEd25519(manifestBytes, sig.subarray(0, 63), [pub])).toBe(false);
    expect(verifyEd25519(manifestBytes, sig, ['zz', '00'])).toBe(false);
  });

  it('checkClaims + verifyDigest accept the signed image and name the failure otherwise', () => {
    const policy = { requireSignature: true, publicKeys: [pub], hardware: 'gw-1', currentVersion: '3.0.1', refuseDowngrade: true };
    const claims = { manifestB64: base64Encode(manifestBytes), signatureB64: base64Encode(sig) };
    const m = checkClaims(claims, policy);
    expect(verifyDigest(sha256(img), img.length, claims, m)).toMatchObject({ version: '3.0.1', size: img.length });
    expect(codeOf(() => verifyDigest(sha256(utf8Encode('x')), img.length, claims, m))).toBe(402);
    expect(codeOf(() => verifyDigest(sha256(img), img.length + 1, claims, m))).toBe(402);
    expect(codeOf(() => checkClaims(Object.assign({}, claims, { signatureB64: '!!' }), policy))).toBe(404);
    expect(codeOf(() => checkClaims(claims, Object.assign({}, policy, { refuseReinstall: true })))).toBe(405);
    expect(codeOf(() => checkClaims(claims, Object.assign({}, policy, { hardware: 'gw-2' })))).toBe(403);
    expect(codeOf(() => checkClaims(Object.assign({}, claims, { sha256: '00'.repeat(32) }), policy))).toBe(402);
    expect(codeOf(() => checkClaims({ sha256: 'xyz' }, { requireSignature: false, publicKeys: [] }))).toBe(404);
  });

  it('rejects malformed manifests with 404', () => {
    for (const bad of ['nope', '[]', '{"sha256":"ab","version":"1","hardware":"x"}', `{"sha256":"${'a'.repeat(64)}","version":"","hardware":"x"}`, `{"sha256":"${'a'.repeat(64)}","version":"1","hardware":[1]}`])
      expect(codeOf(() => parseManifest(utf8Encode(bad)))).toBe(404);
  });

  it('compares versions numerically, with pre-releases first', () => {
    expect(compareVersions('1.10.0', '1.9.3')).toBe(1);
    expect(compareVersions('2.0', '2.0.0')).toBe(0);
    expect(compareVersions('v2.0.1', '2.0.0')).toBe(1);
    expect(compareVersions('2.0.0-rc1', '2.0.0')).toBe(-1);
    expect(compareVersions('2.0.0-rc1', '2.0.0-rc2')).toBe(-1);
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(50), { minLength: 1, maxLength: 4 }), (a, b) => {
        const x = a.join('.');
        const y = b.join('.');
        expect(compareVersions(x, y) + compareVersions(y, x)).toBe(0);
      }),
    );
  });
});

describe('error mapping (docs/protocol.md §5.4, §7.2 suggested mapping)', () => {
  it('maps transport and HTTP failures', () => {
    expect(resultForTransfer('connect')).toBe(412);
    expect(resultForTransfer('timeout')).toBe(407);
    expect(resultForTransfer('network')).toBe(503);
    expect(resultForTransfer('no-space')).toBe(501);
    expect(resultForHttpStatus(401)).toBe(406);
    expect(resultForHttpStatus(404)).toBe(411);
    expect(resultForHttpStatus(503)).toBe(412);
    expect(resultForHttpStatus(500)).toBe(500);
    expect(fromHex('00ff')).toEqual(new Uint8Array([0, 255]));
  });
});
