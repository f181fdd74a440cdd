// Typed SyncML mapping failure: `code` is the kind of problem, `path` the element path where it was found
// (e.g. `SyncML/SyncBody/Alert/Foo`), so a server-side bug report can point at the exact element.

export type SyncmlErrorCode =
  | 'xml-syntax'
  | 'too-large'
  | 'too-deep'
  | 'too-many-elements'
  | 'bad-root'
  | 'unknown-element'
  | 'unexpected-content'
  | 'missing-element'
  | 'duplicate-element'
  | 'bad-content-type'
  | 'internal';

export class SyncmlError extends Error {
  readonly code: SyncmlErrorCode;
  readonly path: string;

  constructor(code: SyncmlErrorCode, path: string, message: string) {
    super(path ? `SyncML ${code} at ${path}: ${message}` : `SyncML ${code}: ${message}`);
    this.name = 'SyncmlError';
    this.code = code;
    this.path = path;
  }
}
