// Typed errors for server notifications (package 0, docs/protocol.md §8). Each names the field that was wrong, so a log line
// or an HTTP answer can say exactly why a notification was dropped.

/** The part of a notification (or of its envelope) that was wrong. */
export type NotificationField =
  | 'digest'
  | 'header'
  | 'version'
  | 'sessionId'
  | 'serverId'
  | 'vendor'
  | 'wsp.tid'
  | 'wsp.pduType'
  | 'wsp.headersLength'
  | 'wsp.contentType'
  | 'wsp.appId'
  | 'wsp.headers'
  | 'sms.udh'
  | 'sms.text'
  | 'size';

/**
 * Why the notification was refused:
 *   truncated     the bytes end inside the named field
 *   invalid       the field holds a value the digest does not allow
 *   too-large     the field (or the whole packet) is bigger than the configured limit
 *   unknown-server  no SRVCRED for this server id
 *   bad-digest    the digest matches neither the issued nonce nor the resync nonces (docs/protocol.md §8.2)
 *   unsupported   a well-formed envelope we do not handle (e.g. a concatenated SMS part)
 */
export type NotificationErrorCode = 'truncated' | 'invalid' | 'too-large' | 'unknown-server' | 'bad-digest' | 'unsupported';

export class NotificationError extends Error {
  constructor(
    readonly code: NotificationErrorCode,
    readonly field: NotificationField,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'NotificationError';
  }
}
