// Generic element tree -> SyncML model (src/syncml/model.ts). Children are accepted in any order (docs/protocol.md §1.2:
// "parse order-insensitively"); an element the model cannot hold is an error naming its path, never a silent drop.

import type { WbxmlElement, WbxmlNode } from '../wbxml/tree.js';
import type { Alert, Chal, Command, Container, Cred, Data, Exec, Item, ItemCommand, LocRef, Meta, Results, Status, SyncHdr, SyncML } from './model.js';
import { concatBytes, utf8Encode } from '../bytes.js';
import { decodeUtf8, isUtf8 } from '../utf8.js';
import { SyncmlError } from './errors.js';
import { writeXml } from './xml-write.js';

type Groups = Map<string, WbxmlElement[]>;

function isEl(n: WbxmlNode): n is WbxmlElement {
  return (n as WbxmlElement).children !== undefined;
}

/** Groups the element children by name, rejecting any name not in `allowed` and any non-blank text. */
function group(el: WbxmlElement, path: string, allowed: readonly string[]): Groups {
  const g: Groups = new Map();
  const kids = el.children;
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i];
    if (isEl(c)) {
      if (allowed.indexOf(c.name) < 0) {
        throw new SyncmlError('unknown-element', path + '/' + c.name, `element <${c.name}> is not allowed in <${el.name}>`);
      }
      const list = g.get(c.name);
      if (list) list.push(c);
      else g.set(c.name, [c]);
    } else if (!isBlank(c)) {
      throw new SyncmlError('unexpected-content', path, `<${el.name}> holds text, only elements are allowed`);
    }
  }
  return g;
}

function isBlank(n: WbxmlNode): boolean {
  const t = n as { text?: string };
  return t.text !== undefined && /^[ \t\n\r]*$/.test(t.text);
}

function opt(g: Groups, name: string, path: string): WbxmlElement | undefined {
  const list = g.get(name);
  if (!list) return undefined;
  if (list.length > 1) throw new SyncmlError('duplicate-element', path + '/' + name, `<${name}> appears ${list.length} times`);
  return list[0];
}

function req(g: Groups, name: string, path: string): WbxmlElement {
  const e = opt(g, name, path);
  if (!e) throw new SyncmlError('missing-element', path + '/' + name, `required element <${name}> is missing`);
  return e;
}

/** Text content of a leaf element; OPAQUE pieces are read as UTF-8 (docs/protocol.md §2.3: any PCDATA may be OPAQUE). */
function text(el: WbxmlElement, path: string): string {
  let s = '';
  for (const c of el.children) {
    if (isEl(c)) throw new SyncmlError('unexpected-content', path + '/' + c.name, `<${el.name}> must hold text, found <${c.name}>`);
    const t = c as { text?: string; opaque?: Uint8Array };
    s += t.text !== undefined ? t.text : decodeUtf8(t.opaque as Uint8Array, 0, (t.opaque as Uint8Array).length);
  }
  return s;
}

function optText(g: Groups, name: string, path: string): string | undefined {
  const e = opt(g, name, path);
  return e ? text(e, path + '/' + name) : undefined;
}

function reqText(g: Groups, name: string, path: string): string {
  return text(req(g, name, path), path + '/' + name);
}

function texts(g: Groups, name: string, path: string): string[] {
  const out: string[] = [];
  const list = g.get(name);
  if (list) for (let i = 0; i < list.length; i++) out.push(text(list[i], path + '/' + name));
  return out;
}

const META_CHILDREN = ['Format', 'Type', 'Mark', 'Size', 'Anchor', 'Version', 'NextNonce', 'MaxMsgSize', 'MaxObjSize', 'EMI', 'Mem', 'FieldLevel'] as const;

function meta(el: WbxmlElement, path: string): Meta {
  const g = group(el, path, META_CHILDREN);
  const m: Meta = {};
  let v: string | undefined;
  if ((v = optText(g, 'Format', path)) !== undefined) m.format = v;
  if ((v = optText(g, 'Type', path)) !== undefined) m.type = v;
  if ((v = optText(g, 'Mark', path)) !== undefined) m.mark = v;
  if ((v = optText(g, 'Size', path)) !== undefined) m.size = v;
  const anchor = opt(g, 'Anchor', path);
  if (anchor) {
    const p = path + '/Anchor';
    const ag = group(anchor, p, ['Last', 'Next']);
    const last = optText(ag, 'Last', p);
    m.anchor = last !== undefined ? { last, next: reqText(ag, 'Next', p) } : { next: reqText(ag, 'Next', p) };
  }
  if ((v = optText(g, 'Version', path)) !== undefined) m.version = v;
  if ((v = optText(g, 'NextNonce', path)) !== undefined) m.nextNonce = v;
  if ((v = optText(g, 'MaxMsgSize', path)) !== undefined) m.maxMsgSize = v;
  if ((v = optText(g, 'MaxObjSize', path)) !== undefined) m.maxObjSize = v;
  if (g.has('EMI')) m.emi = texts(g, 'EMI', path);
  const mem = opt(g, 'Mem', path);
  if (mem) {
    const p = path + '/Mem';
    const mg = group(mem, p, ['SharedMem', 'FreeMem', 'FreeID']);
    m.mem = { freeMem: reqText(mg, 'FreeMem', p), freeID: reqText(mg, 'FreeID', p) };
    if (opt(mg, 'SharedMem', p)) m.mem = { sharedMem: true, freeMem: m.mem.freeMem, freeID: m.mem.freeID };
  }
  if (opt(g, 'FieldLevel', path)) m.fieldLevel = true;
  return m;
}

function locRef(el: WbxmlElement, path: string): LocRef {
  const g = group(el, path, ['LocURI', 'LocName']);
  const r: LocRef = { locURI: reqText(g, 'LocURI', path) };
  const name = optText(g, 'LocName', path);
  if (name !== undefined) r.locName = name;
  return r;
}

function cred(el: WbxmlElement, path: string): Cred {
  const g = group(el, path, ['Meta', 'Data']);
  const c: Cred = { data: reqText(g, 'Data', path) };
  const m = opt(g, 'Meta', path);
  if (m) c.meta = meta(m, path + '/Meta');
  return c;
}

/**
 * Item Data: text, or bytes when OPAQUE carried binary (Meta Format `bin`, or not valid UTF-8). Child elements
 * (SCOMO `<ResultCode>`, embedded DevInf/DDF in XML) are kept as the raw XML text of the content.
 */
function data(el: WbxmlElement, format: string | undefined): Data {
  let hasOpaque = false;
  let hasElement = false;
  for (const c of el.children) {
    if (isEl(c)) hasElement = true;
    else if ((c as { opaque?: Uint8Array }).opaque !== undefined) hasOpaque = true;
  }
  if (hasElement) {
    let s = '';
    for (const c of el.children) {
      if (isEl(c)) s += writeXml(c, { verbatimAttrs: true });
      else s += writeXml({ name: 'x', page: 0, children: [c] }).slice(3, -4);
    }
    return s;
  }
  if (hasOpaque) {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < el.children.length; i++) {
      const t = el.children[i] as { text?: string; opaque?: Uint8Array };
      parts.push(t.text !== undefined ? utf8Encode(t.text) : (t.opaque as Uint8Array));
    }
    const bytes = parts.length === 1 ? parts[0] : concatBytes(parts);
    if (format === 'bin' || !isUtf8(bytes)) return bytes;
    return decodeUtf8(bytes, 0, bytes.length);
  }
  let s = '';
  for (const c of el.children) s += (c as { text: string }).text;
  return s;
}

function item(el: WbxmlElement, path: string, outerFormat: string | undefined): Item {
  const g = group(el, path, ['Target', 'Source', 'Meta', 'Data', 'MoreData']);
  const it: Item = {};
  const t = opt(g, 'Target', path);
  if (t) it.target = locRef(t, path + '/Target');
  const s = opt(g, 'Source', path);
  if (s) it.source = locRef(s, path + '/Source');
  const m = opt(g, 'Meta', path);
  if (m) it.meta = meta(m, path + '/Meta');
  const d = opt(g, 'Data', path);
  if (d) it.data = data(d, (it.meta && it.meta.format) || outerFormat);
  if (opt(g, 'MoreData', path)) it.moreData = true;
  return it;
}

function items(g: Groups, path: string, outerFormat?: string): Item[] {
  const out: Item[] = [];
  const list = g.get('Item');
  if (list) for (let i = 0; i < list.length; i++) out.push(item(list[i], path + '/Item', outerFormat));
  return out;
}

const ITEM_COMMAND = ['CmdID', 'NoResp', 'Cred', 'Meta', 'Item'];

function command(el: WbxmlElement, path: string): Command {
  switch (el.name) {
    case 'Add':
    case 'Replace':
    case 'Copy':
    case 'Delete':
    case 'Get': {
      const g = group(el, path, ITEM_COMMAND);
      const c: ItemCommand = { kind: el.name as ItemCommand['kind'], cmdID: reqText(g, 'CmdID', path), items: [] };
      common(c, g, path);
      const m = opt(g, 'Meta', path);
      if (m) c.meta = meta(m, path + '/Meta');
      c.items = items(g, path, c.meta && c.meta.format);
      return c;
    }
    case 'Alert': {
      const g = group(el, path, ['CmdID', 'NoResp', 'Cred', 'Data', 'Correlator', 'Item']);
      const c: Alert = { kind: 'Alert', cmdID: reqText(g, 'CmdID', path), items: [] };
      common(c, g, path);
      const d = optText(g, 'Data', path);
      if (d !== undefined) c.data = d;
      const corr = optText(g, 'Correlator', path);
      if (corr !== undefined) c.correlator = corr;
      c.items = items(g, path);
      return c;
    }
    case 'Exec': {
      const g = group(el, path, ['CmdID', 'NoResp', 'Cred', 'Meta', 'Correlator', 'Item']);
      const c: Exec = { kind: 'Exec', cmdID: reqText(g, 'CmdID', path), items: [] };
      common(c, g, path);
      const m = opt(g, 'Meta', path);
      if (m) c.meta = meta(m, path + '/Meta');
      const corr = optText(g, 'Correlator', path);
      if (corr !== undefined) c.correlator = corr;
      c.items = items(g, path, c.meta && c.meta.format);
      return c;
    }
    case 'Atomic':
    case 'Sequence': {
      const c: Container = { kind: el.name as Container['kind'], cmdID: '', commands: [] };
      const g = group(el, path, ['CmdID', 'NoResp', 'Meta'].concat(COMMAND_NAMES));
      c.cmdID = reqText(g, 'CmdID', path);
      if (opt(g, 'NoResp', path)) c.noResp = true;
      const m = opt(g, 'Meta', path);
      if (m) c.meta = meta(m, path + '/Meta');
      for (const k of el.children) if (isEl(k) && COMMAND_NAMES.indexOf(k.name) >= 0) c.commands.push(command(k, path + '/' + k.name));
      return c;
    }
    case 'Status': {
      const g = group(el, path, ['CmdID', 'MsgRef', 'CmdRef', 'Cmd', 'TargetRef', 'SourceRef', 'Cred', 'Chal', 'Data', 'Item']);
      const s: Status = {
        kind: 'Status',
        cmdID: reqText(g, 'CmdID', path),
        msgRef: reqText(g, 'MsgRef', path),
        cmdRef: reqText(g, 'CmdRef', path),
        cmd: reqText(g, 'Cmd', path),
        targetRefs: texts(g, 'TargetRef', path),
        sourceRefs: texts(g, 'SourceRef', path),
        data: reqText(g, 'Data', path),
        items: items(g, path),
      };
      const cr = opt(g, 'Cred', path);
      if (cr) s.cred = cred(cr, path + '/Cred');
      const ch = opt(g, 'Chal', path);
      if (ch) s.chal = chal(ch, path + '/Chal');
      return s;
    }
    case 'Results': {
      const g = group(el, path, ['CmdID', 'MsgRef', 'CmdRef', 'Meta', 'TargetRef', 'SourceRef', 'Item']);
      const r: Results = {
        kind: 'Results',
        cmdID: reqText(g, 'CmdID', path),
        cmdRef: reqText(g, 'CmdRef', path),
        targetRefs: texts(g, 'TargetRef', path),
        sourceRefs: texts(g, 'SourceRef', path),
        items: [],
      };
      const msgRef = optText(g, 'MsgRef', path);
      if (msgRef !== undefined) r.msgRef = msgRef;
      const m = opt(g, 'Meta', path);
      if (m) r.meta = meta(m, path + '/Meta');
      r.items = items(g, path, r.meta && r.meta.format);
      return r;
    }
    default:
      throw new SyncmlError('unknown-element', path, `<${el.name}> is not a SyncML DM 1.2 command`);
  }
}

function common(c: { noResp?: boolean; cred?: Cred }, g: Groups, path: string): void {
  if (opt(g, 'NoResp', path)) c.noResp = true;
  const cr = opt(g, 'Cred', path);
  if (cr) c.cred = cred(cr, path + '/Cred');
}

function chal(el: WbxmlElement, path: string): Chal {
  const g = group(el, path, ['Meta']);
  return { meta: meta(req(g, 'Meta', path), path + '/Meta') };
}

const COMMAND_NAMES = ['Add', 'Alert', 'Atomic', 'Copy', 'Delete', 'Exec', 'Get', 'Replace', 'Sequence', 'Status', 'Results'];

function syncHdr(el: WbxmlElement, path: string): SyncHdr {
  const g = group(el, path, ['VerDTD', 'VerProto', 'SessionID', 'MsgID', 'Target', 'Source', 'RespURI', 'NoResp', 'Cred', 'Meta']);
  const h: SyncHdr = {
    verDTD: reqText(g, 'VerDTD', path),
    verProto: reqText(g, 'VerProto', path),
    sessionID: reqText(g, 'SessionID', path),
    msgID: reqText(g, 'MsgID', path),
    target: locRef(req(g, 'Target', path), path + '/Target'),
    source: locRef(req(g, 'Source', path), path + '/Source'),
  };
  const resp = optText(g, 'RespURI', path);
  if (resp !== undefined) h.respURI = resp;
  if (opt(g, 'NoResp', path)) h.noResp = true;
  const cr = opt(g, 'Cred', path);
  if (cr) h.cred = cred(cr, path + '/Cred');
  const m = opt(g, 'Meta', path);
  if (m) h.meta = meta(m, path + '/Meta');
  return h;
}

/** Maps a SyncML element tree (from XML or WBXML) to the model. Throws SyncmlError naming the element path. */
export function treeToModel(root: WbxmlElement): SyncML {
  if (root.name !== 'SyncML') throw new SyncmlError('bad-root', root.name, `root element is <${root.name}>, expected <SyncML>`);
  const path = 'SyncML';
  const g = group(root, path, ['SyncHdr', 'SyncBody']);
  const hdr = syncHdr(req(g, 'SyncHdr', path), path + '/SyncHdr');
  const bodyEl = req(g, 'SyncBody', path);
  const bp = path + '/SyncBody';
  group(bodyEl, bp, COMMAND_NAMES.concat(['Final']));
  const body: Command[] = [];
  let final = false;
  for (const c of bodyEl.children) {
    if (!isEl(c)) continue;
    if (c.name === 'Final') {
      if (final) throw new SyncmlError('duplicate-element', bp + '/Final', '<Final> appears more than once');
      final = true;
    } else body.push(command(c, bp + '/' + c.name));
  }
  return { hdr, body, final };
}
