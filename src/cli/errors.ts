// Maps every error the agent can raise to the exit codes documented in `dm-agent --help`.
import { ConfigError } from '../config.js';
import { SessionError } from '../dm/session.js';
import { RequestError } from '../alerts/update-request.js';
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

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.USAGE;
  if (e instanceof ConfigError) return EXIT.CONFIG;
  if (e instanceof RequestError || e instanceof InputError) return EXIT.INPUT;
  if (e instanceof RefusedError) return EXIT.REFUSED;
  if (e instanceof BusyError) return EXIT.BUSY;
  if (e instanceof SessionError) {
    switch (e.kind) {
      case 'transport':
      case 'tls-certificate':
        return EXIT.NETWORK;
      case 'http':
        return EXIT.REFUSED;
      case 'auth':
        return EXIT.AUTH;
      default:
        return EXIT.PROTOCOL;
    }
  }
  const name = e instanceof Error ? e.name : '';
  // Bad input named on the command line or in a file: malformed WBXML/XML, a component that is not deployed.
  if (name === 'WbxmlError' || name === 'SyncmlError' || name === 'UnknownComponentError' || name === 'AmbiguousComponentError') return EXIT.INPUT;
  if (name === 'ConfigError' || name === 'DeviceConfigError' || name === 'TriggerConfigError' || name === 'UiConfigError') return EXIT.CONFIG;
  return EXIT.ERROR;
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
