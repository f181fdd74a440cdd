// SyncML model -> generic element tree, children in the DTD order of docs/protocol.md §1.2. SyncML tags go on code page 0,
// MetInf children of <Meta> on page 1 (docs/protocol.md §2.5: SWITCH_PAGE 1 inside Meta; in XML `xmlns="syncml:metinf"`).

import type { WbxmlElement, WbxmlNode } from '../wbxml/tree.js';
import type { Alert, Command, Container, Cred, Data, Exec, Item, ItemCommand, LocRef, Meta, Results, Status, SyncML } from './model.js';
import { SyncmlError } from './errors.js';

const SYNCML = 0;
const METINF = 1;

function el(name: string, children: WbxmlNode[], page = SYNCML): WbxmlElement {
  return { name, page, children };
}

/** Leaf with text; an empty string becomes an empty element (`<Data/>`, bare token in WBXML as libwbxml writes it). */
function leaf(name: string, value: string, page = SYNCML): WbxmlElement {
  return { name, page, children: value === '' ? [] : [{ text: value }] };
}

function flag(name: string, page = SYNCML): WbxmlElement {
  return { name, page, children: [] };
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new SyncmlError('internal', what, `${what} must be a string, got ${typeof v}`);
  return v;
}

function put(k: WbxmlNode[], name: string, v: string | undefined): void {
  if (v !== undefined) k.push(leaf(name, v, METINF));
}

function meta(m: Meta): WbxmlElement {
  const k: WbxmlNode[] = [];
  put(k, 'Format', m.format);
  put(k, 'Type', m.type);
  put(k, 'Mark', m.mark);
  put(k, 'Size', m.size);
  if (m.anchor) {
    const a: WbxmlNode[] = [];
    if (m.anchor.last !== undefined) a.push(leaf('Last', m.anchor.last, METINF));
    a.push(leaf('Next', m.anchor.next, METINF));
    k.push(el('Anchor', a, METINF));
  }
  put(k, 'Version', m.version);
  put(k, 'NextNonce', m.nextNonce);
  put(k, 'MaxMsgSize', m.maxMsgSize);
  put(k, 'MaxObjSize', m.maxObjSize);
  if (m.emi) for (const e of m.emi) k.push(leaf('EMI', e, METINF));
  if (m.mem) {
    const mm: WbxmlNode[] = [];
    if (m.mem.sharedMem) mm.push(flag('SharedMem', METINF));
    mm.push(leaf('FreeMem', m.mem.freeMem, METINF), leaf('FreeID', m.mem.freeID, METINF));
    k.push(el('Mem', mm, METINF));
  }
  if (m.fieldLevel) k.push(flag('FieldLevel', METINF));
  return el('Meta', k);
}

function locRef(name: string, r: LocRef): WbxmlElement {
  const k = [leaf('LocURI', str(r.locURI, name + '.locURI'))];
  if (r.locName !== undefined) k.push(leaf('LocName', r.locName));
  return el(name, k);
}

function cred(c: Cred): WbxmlElement {
  const k: WbxmlNode[] = [];
  if (c.meta) k.push(meta(c.meta));
  k.push(leaf('Data', str(c.data, 'Cred.data')));
  return el('Cred', k);
}

function data(d: Data): WbxmlElement {
  if (typeof d === 'string') return leaf('Data', d);
  if (d instanceof Uint8Array) return el('Data', d.length === 0 ? [] : [{ opaque: d }]);
  throw new SyncmlError('internal', 'Item.data', 'Item data must be a string or a Uint8Array');
}

function item(it: Item): WbxmlElement {
  const k: WbxmlNode[] = [];
  if (it.target) k.push(locRef('Target', it.target));
  if (it.source) k.push(locRef('Source', it.source));
  if (it.meta) k.push(meta(it.meta));
  if (it.data !== undefined) k.push(data(it.data));
  if (it.moreData) k.push(flag('MoreData'));
  return el('Item', k);
}

function head(c: { cmdID: string; noResp?: boolean }, k: WbxmlNode[]): void {
  k.push(leaf('CmdID', str(c.cmdID, 'cmdID')));
  if (c.noResp) k.push(flag('NoResp'));
}

function command(c: Command): WbxmlElement {
  const k: WbxmlNode[] = [];
  switch (c.kind) {
    case 'Add':
    case 'Replace':
    case 'Copy':
    case 'Delete':
    case 'Get': {
      const x = c as ItemCommand;
      head(x, k);
      if (x.cred) k.push(cred(x.cred));
      if (x.meta) k.push(meta(x.meta));
      for (const it of x.items) k.push(item(it));
      break;
    }
    case 'Alert': {
      const x = c as Alert;
      head(x, k);
      if (x.cred) k.push(cred(x.cred));
      // Digest §1.2: emit Data then Correlator (spec examples); `data: ''` still emits <Data/>.
      if (x.data !== undefined) k.push(leaf('Data', x.data));
      if (x.correlator !== undefined) k.push(leaf('Correlator', x.correlator));
      for (const it of x.items) k.push(item(it));
      break;
    }
    case 'Exec': {
      const x = c as Exec;
      head(x, k);
      if (x.cred) k.push(cred(x.cred));
      if (x.meta) k.push(meta(x.meta));
      if (x.correlator !== undefined) k.push(leaf('Correlator', x.correlator));
      for (const it of x.items) k.push(item(it));
      break;
    }
    case 'Atomic':
    case 'Sequence': {
      const x = c as Container;
      head(x, k);
      if (x.meta) k.push(meta(x.meta));
      for (const sub of x.commands) k.push(command(sub));
      break;
    }
    case 'Status': {
      const x = c as Status;
      k.push(leaf('CmdID', str(x.cmdID, 'Status.cmdID')), leaf('MsgRef', x.msgRef), leaf('CmdRef', x.cmdRef), leaf('Cmd', x.cmd));
      for (const r of x.targetRefs) k.push(leaf('TargetRef', r));
      for (const r of x.sourceRefs) k.push(leaf('SourceRef', r));
      if (x.cred) k.push(cred(x.cred));
      if (x.chal) k.push(el('Chal', [meta(x.chal.meta)]));
      k.push(leaf('Data', str(x.data, 'Status.data')));
      for (const it of x.items) k.push(item(it));
      break;
    }
    case 'Results': {
      const x = c as Results;
      k.push(leaf('CmdID', str(x.cmdID, 'Results.cmdID')));
      if (x.msgRef !== undefined) k.push(leaf('MsgRef', x.msgRef));
      k.push(leaf('CmdRef', x.cmdRef));
      if (x.meta) k.push(meta(x.meta));
      for (const r of x.targetRefs) k.push(leaf('TargetRef', r));
      for (const r of x.sourceRefs) k.push(leaf('SourceRef', r));
      for (const it of x.items) k.push(item(it));
      break;
    }
    default:
      throw new SyncmlError('internal', 'SyncBody', `unknown command kind ${JSON.stringify((c as { kind: unknown }).kind)}`);
  }
  return el(c.kind, k);
}

export function modelToTree(msg: SyncML): WbxmlElement {
  const h = msg.hdr;
  const hk: WbxmlNode[] = [
    leaf('VerDTD', str(h.verDTD, 'hdr.verDTD')),
    leaf('VerProto', str(h.verProto, 'hdr.verProto')),
    leaf('SessionID', str(h.sessionID, 'hdr.sessionID')),
    leaf('MsgID', str(h.msgID, 'hdr.msgID')),
    locRef('Target', h.target),
    locRef('Source', h.source),
  ];
  if (h.respURI !== undefined) hk.push(leaf('RespURI', h.respURI));
  if (h.noResp) hk.push(flag('NoResp'));
  if (h.cred) hk.push(cred(h.cred));
  if (h.meta) hk.push(meta(h.meta));
  const bk: WbxmlNode[] = msg.body.map(command);
  if (msg.final) bk.push(flag('Final'));
  return el('SyncML', [el('SyncHdr', hk), el('SyncBody', bk)]);
}
