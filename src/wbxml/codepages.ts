// WBXML code pages (tag tokens) and public identifiers for the SyncML family: docs/protocol.md §2.2 (public ids, namespaces)
// and §2.4-§2.7 (token tables, values confirmed [2+] against libwbxml and the SyncML RTK).

export interface CodePage {
  /** XML namespace the page stands for (docs/protocol.md §2.2). */
  ns: string;
  /** Tag names by token (index 0x05..0x3F). */
  tags: (string | undefined)[];
  /** Reverse lookup, name -> token. */
  tokens: Record<string, number>;
}

export interface Language {
  /** Short name, as libwbxml's `-l` option spells it. */
  name: string;
  rootName: string;
  /** Formal public identifier (DOCTYPE PUBLIC). */
  fpi: string;
  /** DOCTYPE system id, as libwbxml prints it. */
  systemId: string;
  /** Registered numeric WBXML public id; 0 when there is none (DDF: string table only). */
  publicId: number;
  /** Code pages by number; the root lives on `rootPage`. */
  pages: Record<number, CodePage>;
  rootPage: number;
}

function page(ns: string, firstToken: number, names: string[]): CodePage {
  const tags: (string | undefined)[] = [];
  const tokens: Record<string, number> = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name === '') continue; // reserved token
    tags[firstToken + i] = name;
    tokens[name] = firstToken + i;
  }
  return { ns, tags, tokens };
}

// Digest §2.4, tokens 0x05..0x3C in order (0x30 reserved).
const SYNCML_TAGS = [
  'Add', 'Alert', 'Archive', 'Atomic', 'Chal', 'Cmd', 'CmdID', 'CmdRef', 'Copy', 'Cred', 'Data', 'Delete', 'Exec',
  'Final', 'Get', 'Item', 'Lang', 'LocName', 'LocURI', 'Map', 'MapItem', 'Meta', 'MsgID', 'MsgRef', 'NoResp',
  'NoResults', 'Put', 'Replace', 'RespURI', 'Results', 'Search', 'Sequence', 'SessionID', 'SftDel', 'Source',
  'SourceRef', 'Status', 'Sync', 'SyncBody', 'SyncHdr', 'SyncML', 'Target', 'TargetRef', '', 'VerDTD', 'VerProto',
  'NumberOfChanges', 'MoreData', 'Field', 'Filter', 'Record', 'FilterType', 'SourceParent', 'TargetParent', 'Move',
  'Correlator',
];

// Digest §2.5, tokens 0x05..0x16.
const METINF_TAGS = [
  'Anchor', 'EMI', 'Format', 'FreeID', 'FreeMem', 'Last', 'Mark', 'MaxMsgSize', 'Mem', 'MetInf', 'Next', 'NextNonce',
  'SharedMem', 'Size', 'Type', 'Version', 'MaxObjSize', 'FieldLevel',
];

// Digest §2.6, tokens 0x05..0x34 (0x2F unused).
const DEVINF_TAGS = [
  'CTCap', 'CTType', 'DataStore', 'DataType', 'DevID', 'DevInf', 'DevTyp', 'DisplayName', 'DSMem', 'Ext', 'FwV', 'HwV',
  'Man', 'MaxGUIDSize', 'MaxID', 'MaxMem', 'Mod', 'OEM', 'ParamName', 'PropName', 'Rx', 'Rx-Pref', 'SharedMem',
  'MaxSize', 'SourceRef', 'SwV', 'SyncCap', 'SyncType', 'Tx', 'Tx-Pref', 'ValEnum', 'VerCT', 'VerDTD', 'XNam', 'XVal',
  'UTC', 'SupportNumberOfChanges', 'SupportLargeObjs', 'Property', 'PropParam', 'MaxOccur', 'NoTruncate', '',
  'Filter-Rx', 'FilterCap', 'FilterKeyword', 'FieldLevel', 'SupportHierarchicalSync',
];

// Digest §2.7, tokens 0x05..0x3C.
const DDF_TAGS = [
  'AccessType', 'ACL', 'Add', 'b64', 'bin', 'bool', 'chr', 'CaseSense', 'CIS', 'Copy', 'CS', 'date', 'DDFName',
  'DefaultValue', 'Delete', 'Description', 'DFFormat', 'DFProperties', 'DFTitle', 'DFType', 'Dynamic', 'Exec', 'float',
  'Format', 'Get', 'int', 'Man', 'MgmtTree', 'MIME', 'Mod', 'Name', 'Node', 'node', 'NodeName', 'null', 'Occurrence',
  'One', 'OneOrMore', 'OneOrN', 'Path', 'Permanent', 'Replace', 'RTProperties', 'Scope', 'Size', 'time', 'Title',
  'TStamp', 'Type', 'Value', 'VerDTD', 'VerNo', 'xml', 'ZeroOrMore', 'ZeroOrN', 'ZeroOrOne',
];

export const NS_SYNCML12 = 'SYNCML:SYNCML1.2';
export const NS_METINF = 'syncml:metinf';
export const NS_DMDDF12 = 'syncml:dmddf1.2';
export const NS_DEVINF = 'syncml:devinf';

const PAGE_METINF = page(NS_METINF, 0x05, METINF_TAGS);
const PAGE_DDF = page(NS_DMDDF12, 0x05, DDF_TAGS);

function syncml(version: string, publicId: number, systemId: string): Language {
  return {
    name: 'SYNCML' + version.replace('.', ''),
    rootName: 'SyncML',
    fpi: `-//SYNCML//DTD SyncML ${version}//EN`,
    systemId,
    publicId,
    // Digest §2.2: page 0 SyncML, page 1 MetInf, page 2 DDF (DDF embedded in a 1.2 message).
    pages: { 0: page('SYNCML:SYNCML' + version, 0x05, SYNCML_TAGS), 1: PAGE_METINF, 2: PAGE_DDF },
    rootPage: 0,
  };
}

export const SYNCML12 = syncml('1.2', 0x1201, 'http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd');
export const SYNCML11 = syncml('1.1', 0x0fd3, 'http://www.syncml.org/docs/syncml_represent_v11_20020213.dtd');
export const SYNCML10 = syncml('1.0', 0x0fd1, 'http://www.syncml.org/docs/syncml_represent_v10_20001207.dtd');

export const METINF12: Language = {
  name: 'METINF12',
  rootName: 'MetInf',
  fpi: '-//SYNCML//DTD MetInf 1.2//EN',
  systemId: 'http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_MetaInfo_DTD-V1_2.dtd',
  publicId: 0x1202,
  pages: { 0: PAGE_METINF },
  rootPage: 0,
};

export const DEVINF12: Language = {
  name: 'DEVINF12',
  rootName: 'DevInf',
  fpi: '-//SYNCML//DTD DevInf 1.2//EN',
  systemId: 'http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_DevInfo_DTD-V1_2.dtd',
  publicId: 0x1203,
  pages: { 0: page(NS_DEVINF, 0x05, DEVINF_TAGS) },
  rootPage: 0,
};

/** DM DDF 1.2 as a document of its own: no numeric id, and libwbxml puts its tags on page 2 (observed bytes `00 02 60`). */
export const DMDDF12: Language = {
  name: 'DMDDF12',
  rootName: 'MgmtTree',
  fpi: '-//OMA//DTD-DM-DDF 1.2//EN',
  systemId: 'http://www.openmobilealliance.org/tech/DTD/dm_ddf-v1_2.dtd',
  publicId: 0,
  pages: { 2: PAGE_DDF },
  rootPage: 2,
};

export const LANGUAGES: Language[] = [SYNCML12, SYNCML11, SYNCML10, METINF12, DEVINF12, DMDDF12];

/** Public id 0x01 means "unknown": the brief says assume SyncML 1.2. */
export const PUBLIC_ID_UNKNOWN = 0x01;

export function languageByPublicId(id: number): Language | undefined {
  for (const l of LANGUAGES) if (l.publicId !== 0 && l.publicId === id) return l;
  return undefined;
}

export function languageByFpi(fpi: string): Language | undefined {
  const clean = fpi.trim();
  for (const l of LANGUAGES) if (l.fpi === clean) return l;
  return undefined;
}

export function languageByRoot(rootName: string, ns?: string): Language | undefined {
  if (ns) {
    for (const l of LANGUAGES) if (l.rootName === rootName && l.pages[l.rootPage].ns === ns) return l;
  }
  if (rootName === 'SyncML') return SYNCML12;
  for (const l of LANGUAGES) if (l.rootName === rootName) return l;
  return undefined;
}

const nsIndex = new Map<Language, Map<string, number>>();

/** Which page of `lang` uses namespace `ns`, or -1. */
export function pageForNamespace(lang: Language, ns: string): number {
  let m = nsIndex.get(lang);
  if (!m) {
    m = new Map();
    for (const key of Object.keys(lang.pages)) m.set(lang.pages[Number(key)].ns, Number(key));
    nsIndex.set(lang, m);
  }
  const p = m.get(ns);
  return p === undefined ? -1 : p;
}

export function languageByName(name: string): Language | undefined {
  for (const l of LANGUAGES) if (l.name === name) return l;
  return undefined;
}
