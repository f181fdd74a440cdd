// `?prop=` reads (docs/protocol.md §1.12; DM TND node properties): ACL, Format, Name, Size, Title, TStamp, Type, VerNo.
// Each answer is one Results item whose URI is the one the server sent, `?prop=...` included.

import { dataSize, DEFAULT_TYPE, type GetItem, type NodeValue } from './node.js';
import { isoBasic, type Resolved, supports } from './resolved.js';
import { DmStatus, TreeError } from './status.js';

export async function propertyItem(r: Resolved, prop: string, uri: string, readLeaf: () => Promise<NodeValue>): Promise<GetItem> {
  const chr = (data: string): GetItem => ({ uri, format: 'chr', data });
  switch (prop) {
    case 'ACL':
      return chr(r.acl);
    case 'Format':
      return chr(r.format);
    case 'Name':
      return chr(r.segments.length ? r.segments[r.segments.length - 1] : '.');
    case 'Type':
      return chr(r.type !== undefined ? r.type : r.leaf ? DEFAULT_TYPE : '');
    case 'Title':
      return chr(r.title !== undefined ? r.title : '');
    case 'VerNo':
      return { uri, format: 'int', data: String(r.verNo) };
    case 'TStamp':
      if (r.tstamp === undefined) throw new TreeError(DmStatus.OptionalFeatureNotSupported, 'no TStamp recorded for this node');
      return chr(isoBasic(r.tstamp));
    case 'Size': {
      // Size belongs to leaves (DM TND); an interior node has none.
      if (!r.leaf) throw new TreeError(DmStatus.CommandNotAllowed, 'Size is a property of leaf nodes');
      if (!supports(r, 'Get')) throw new TreeError(DmStatus.CommandNotAllowed, 'the node value cannot be read');
      return { uri, format: 'int', data: String(dataSize((await readLeaf()).data)) };
    }
  }
  throw new TreeError(DmStatus.OptionalFeatureNotSupported, `unknown property ${prop}`);
}
