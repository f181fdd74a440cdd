// Typed decoder/encoder failure: `code` says what kind of problem, `offset` the byte where it was found
// (-1 when encoding or when no byte position applies). Callers (session engine, CLI) branch on `code`.

export type WbxmlErrorCode =
  | 'too-large'
  | 'truncated'
  | 'bad-version'
  | 'bad-mb-uint32'
  | 'bad-charset'
  | 'bad-string-table'
  | 'bad-string-ref'
  | 'unterminated-string'
  | 'unknown-public-id'
  | 'unknown-tag'
  | 'unknown-attribute'
  | 'unsupported-token'
  | 'bad-entity'
  | 'unbalanced-end'
  | 'no-root'
  | 'trailing-data'
  | 'too-deep'
  | 'too-many-elements'
  | 'string-too-long'
  | 'encode-failed';

export class WbxmlError extends Error {
  readonly code: WbxmlErrorCode;
  readonly offset: number;

  constructor(code: WbxmlErrorCode, offset: number, message: string) {
    super(offset >= 0 ? `WBXML ${code} at byte ${offset}: ${message}` : `WBXML ${code}: ${message}`);
    this.name = 'WbxmlError';
    this.code = code;
    this.offset = offset;
  }
}
