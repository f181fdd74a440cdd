// Large objects (docs/protocol.md §1.10): splitting an outgoing package into messages whose single big Add/Replace item
// travels in MoreData chunks (Size only on the first), and reassembling incoming chunks.
import { concatBytes, utf8Encode } from '../../src/bytes.js';
import type { Command, Data, ItemCommand } from '../../src/syncml/model.js';
import { cloneCommand } from './commands.js';

export function dataSize(d: Data | undefined): number {
  if (d === undefined) return 0;
  return typeof d === 'string' ? utf8Encode(d).length : d.length;
}

export function joinData(parts: Data[]): Data {
  if (parts.every((p) => typeof p === 'string')) return (parts as string[]).join('');
  return concatBytes(parts.map((p) => (typeof p === 'string' ? utf8Encode(p) : p)));
}

export function sliceData(d: Data, start: number, end: number): Data {
  return typeof d === 'string' ? d.slice(start, end) : d.subarray(start, end);
}

/**
 * Splits a package into messages: commands stay together, and a single-item Add/Replace whose data is larger than
 * `limit` becomes one chunk per message, every chunk but the last with MoreData (docs/protocol.md §1.10).
 */
export function splitPackage(cmds: Command[], limit: number): Command[][] {
  const messages: Command[][] = [[]];
  for (const c of cmds) {
    const item = (c.kind === 'Replace' || c.kind === 'Add') && c.items.length === 1 ? c.items[0] : undefined;
    const size = item ? dataSize(item.data) : 0;
    // Meta Size counts the object's bytes: for binary sent as base64 (Format b64) the decoded ones
    // (OMA-TS-DM_TND-V1_2 §7.7.4, src/dm/large-object.ts).
    const objectSize = item && item.meta && item.meta.format === 'b64' && typeof item.data === 'string' ? b64Bytes(item.data) : size;
    if (!item || item.data === undefined || size <= limit) {
      messages[messages.length - 1].push(c);
      continue;
    }
    const total = typeof item.data === 'string' ? item.data.length : size;
    for (let off = 0; off < total; off += limit) {
      const chunk = cloneCommand(c) as ItemCommand;
      const ci = chunk.items[0];
      ci.data = sliceData(item.data, off, off + limit);
      if (off === 0) ci.meta = { ...(ci.meta || {}), size: String(objectSize) };
      else if (ci.meta) delete ci.meta.size; // docs/protocol.md §1.10: Size only in the first chunk
      if (off + limit < total) {
        ci.moreData = true;
        messages[messages.length - 1].push(chunk);
        messages.push([]);
      } else messages[messages.length - 1].push(chunk);
    }
  }
  return messages.filter((m, i) => m.length > 0 || i === 0);
}

/** Bytes of base64 text once decoded (padding and whitespace do not count). */
function b64Bytes(text: string): number {
  const n = text.replace(/[\s=]/g, '').length;
  return Math.floor((n * 3) / 4);
}
