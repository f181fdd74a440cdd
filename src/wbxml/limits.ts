// Bounds every decoder enforces so a hostile or broken server message cannot exhaust a small gateway
// (brief: document size, depth, string-table size, string length, element count).

export interface DecodeLimits {
  /** Largest accepted document, bytes (WBXML) or UTF-16 code units (XML). */
  maxDocumentBytes: number;
  /** Deepest element nesting; a DM message needs about 8 (SyncML/SyncBody/Atomic/Replace/Item/Meta/Anchor/Next). */
  maxDepth: number;
  /** Largest WBXML string table, bytes. */
  maxStringTableBytes: number;
  /** Longest single inline string / OPAQUE / text value, bytes. */
  maxStringBytes: number;
  /** Most elements in one document. */
  maxElements: number;
}

export const DEFAULT_LIMITS: DecodeLimits = {
  maxDocumentBytes: 4 * 1024 * 1024,
  maxDepth: 32,
  maxStringTableBytes: 1024 * 1024,
  maxStringBytes: 4 * 1024 * 1024,
  maxElements: 100000,
};

export function resolveLimits(partial?: Partial<DecodeLimits>): DecodeLimits {
  const out: DecodeLimits = {
    maxDocumentBytes: DEFAULT_LIMITS.maxDocumentBytes,
    maxDepth: DEFAULT_LIMITS.maxDepth,
    maxStringTableBytes: DEFAULT_LIMITS.maxStringTableBytes,
    maxStringBytes: DEFAULT_LIMITS.maxStringBytes,
    maxElements: DEFAULT_LIMITS.maxElements,
  };
  if (partial) {
    for (const k of Object.keys(out) as (keyof DecodeLimits)[]) {
      const v = partial[k];
      if (typeof v === 'number' && v >= 0) out[k] = v;
    }
  }
  return out;
}
