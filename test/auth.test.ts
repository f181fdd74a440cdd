import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  basicCredData,
  formatHmacHeader,
  hmacMac,
  md5CredData,
  parseBasicCred,
  parseHmacHeader,
  userDigest,
} from '../src/dm/auth.js';
import { base64Decode, utf8Encode } from '../src/bytes.js';

// Test vectors of docs/protocol.md §3.2 (SPEC-ZH 24/41 example, user Bruce2 / OhBehave).
describe('DM security formulas (docs/protocol.md §3.2)', () => {
  it('basic credential', () => {
    expect(basicCredData('Bruce2', 'OhBehave')).toBe('QnJ1Y2UyOk9oQmVoYXZl');
    expect(parseBasicCred('QnJ1Y2UyOk9oQmVoYXZl', base64Decode)).toEqual({ name: 'Bruce2', secret: 'OhBehave' });
    expect(parseBasicCred('!!!', base64Decode)).toBeNull();
  });
  it('user digest', () => {
    expect(userDigest('Bruce2', 'OhBehave')).toBe('PtEdr8lBQ45IbT1bZIkrOQ==');
  });
  it('md5 credential uses the decoded nonce bytes', () => {
    expect(md5CredData('Bruce2', 'OhBehave', base64Decode('Tm9uY2U='))).toBe('Zz6EivR3yeaaENcRN6lpAQ==');
    expect(md5CredData('Bruce2', 'OhBehave', utf8Encode('Tm9uY2U='))).not.toBe('Zz6EivR3yeaaENcRN6lpAQ==');
  });
  it('hmac over the exact body bytes', () => {
    expect(hmacMac('Bruce2', 'OhBehave', utf8Encode('Nonce'), utf8Encode('<SyncML/>'))).toBe('urdCeS3JUmjFgi8SX3webw==');
  });
  it('matches a Node crypto reimplementation for arbitrary inputs', () => {
    const md5 = (b: Uint8Array | string) => createHash('md5').update(b).digest();
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.uint8Array(), fc.uint8Array(), (name, secret, nonce, body) => {
        const ud = md5(Buffer.from(`${name}:${secret}`, 'utf8')).toString('base64');
        const want = md5(
          Buffer.concat([Buffer.from(ud + ':'), Buffer.from(nonce), Buffer.from(':' + md5(Buffer.from(body)).toString('base64'))]),
        ).toString('base64');
        expect(hmacMac(name, secret, nonce, body)).toBe(want);
      }),
      { numRuns: 200 },
    );
  });
});

describe('x-syncml-hmac header (docs/protocol.md §3.5)', () => {
  it('parses the spec example and the compact MOTO form', () => {
    expect(
      parseHmacHeader('algorithm=MD5, username="Robert Jordan", mac=NTI2OTJhMDAwNjYxODkwYmQ3NWUxN2RhN2ZmYmJlMzk'),
    ).toEqual({ algorithm: 'MD5', username: 'Robert Jordan', mac: 'NTI2OTJhMDAwNjYxODkwYmQ3NWUxN2RhN2ZmYmJlMzk' });
    expect(parseHmacHeader('algorithm=MD5,username="dev",mac=abc==')).toEqual({
      algorithm: 'MD5',
      username: 'dev',
      mac: 'abc==',
    });
    expect(parseHmacHeader('username=bare, mac=xyz')).toEqual({ algorithm: 'MD5', username: 'bare', mac: 'xyz' });
  });
  it('refuses headers without username or mac', () => {
    expect(parseHmacHeader('algorithm=MD5, mac=abc')).toBeNull();
    expect(parseHmacHeader('')).toBeNull();
  });
  it('round-trips what it formats, quotes included', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.base64String({ minLength: 4 }), (user, mac) => {
        const parsed = parseHmacHeader(formatHmacHeader(user, mac));
        expect(parsed).toEqual({ algorithm: 'MD5', username: user, mac });
      }),
    );
  });
});
