// Maps every error the agent can raise to the exit codes documented in `dm-agent --help`: by class (instanceof), each
// class once in EXIT_BY_CLASS, so that a new error class is either listed there or an internal error (1), and an
// error merely *named* like a listed one is not mistaken for it.
import { ConfigError } from '../config.js';
import { SessionError, type SessionErrorKind } from '../dm/session.js';
import { RequestError } from '../alerts/update-request.js';
import { DeviceConfigError } from '../device/errors.js';
import { TriggerConfigError } from '../triggers/duration.js';
import { UiConfigError } from '../ui/config.js';
import { NotificationConfigError } from '../notification/config.js';
import { WbxmlError } from '../wbxml/errors.js';
import { SyncmlError } from '../syncml/errors.js';
import { UnknownComponentError } from '../scomo/report-source.js';
import { AmbiguousComponentError } from '../scomo/deployed.js';
import { EXIT, UsageError } from './args.js';

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export class RefusedError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RefusedError';
  }
}

export class BusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BusyError';
  }
}

/**
 * The error a running daemon answered for a request handed to it (docs/handoff.md): the command exits with the code the
 * daemon's run gave, and says what the daemon said.
 */
export class DaemonAnswerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'DaemonAnswerError';
  }
}

/**
 * The command was asked to stop (Ctrl-C, SIGTERM) while it waited: exit 130, what a shell reports for a command that
 * SIGINT ended, since the work was neither done nor failed (docs/handoff.md).
 */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Every error class with its exit code, each listed once; the first class the error is an instance of wins. */
export const EXIT_BY_CLASS: ReadonlyArray<readonly [ErrorClass, number]> = [
  [UsageError, EXIT.USAGE],
  // A configuration section names its key in the message (src/config.ts and each section's own parser).
  [ConfigError, EXIT.CONFIG],
  [DeviceConfigError, EXIT.CONFIG],
  [TriggerConfigError, EXIT.CONFIG],
  [UiConfigError, EXIT.CONFIG],
  [NotificationConfigError, EXIT.CONFIG],
  // Bad input named on the command line or in a file: malformed WBXML/XML, a component that is not deployed.
  [RequestError, EXIT.INPUT],
  [InputError, EXIT.INPUT],
  [WbxmlError, EXIT.INPUT],
  [SyncmlError, EXIT.INPUT],
  [UnknownComponentError, EXIT.INPUT],
  [AmbiguousComponentError, EXIT.INPUT],
  [RefusedError, EXIT.REFUSED],
  [BusyError, EXIT.BUSY],
  [InterruptedError, EXIT.INTERRUPTED],
];

/** SessionError by what failed (src/dm/session.ts): every kind listed, so that a new kind must be given its code. */
const EXIT_BY_SESSION_KIND: Record<SessionErrorKind, number> = {
  transport: EXIT.NETWORK,
  'tls-certificate': EXIT.NETWORK,
  http: EXIT.REFUSED,
  auth: EXIT.AUTH,
  protocol: EXIT.PROTOCOL,
  limit: EXIT.PROTOCOL,
};

export function exitCodeFor(e: unknown): number {
  if (e instanceof DaemonAnswerError) return e.exitCode;
  if (e instanceof SessionError) return EXIT_BY_SESSION_KIND[e.kind] ?? EXIT.PROTOCOL;
  for (const [cls, code] of EXIT_BY_CLASS) if (e instanceof cls) return code;
  return EXIT.ERROR;
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
