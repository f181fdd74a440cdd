// Access control lists (docs/protocol.md §1.12): `Add=*&Get=*`, `Get=srv1+srv2&Replace=srv1`. `&` separates commands, `+`
// separates server ids, `*` is every server. An empty ACL means "inherit": the effective ACL of a node is the one
// of its nearest ancestor (or itself) whose ACL is not empty; the root's default is `Add=*&Get=*` (docs/protocol.md §1.12).
// A server the ACL does not name is refused with 425 Permission denied (docs/protocol.md §1.6).

import { DmStatus, TreeError } from './status.js';

/** The commands an ACL can grant (DM TND: Copy is Get on the source plus Add/Replace on the target). */
export const ACL_COMMANDS = ['Add', 'Delete', 'Exec', 'Get', 'Replace'] as const;
export type AclCommand = (typeof ACL_COMMANDS)[number];

export const ROOT_DEFAULT_ACL = 'Add=*&Get=*';

export type Acl = Partial<Record<AclCommand, string[]>>;

export class AclError extends TreeError {
  constructor(message: string) {
    super(DmStatus.BadRequest, message);
    this.name = 'AclError';
  }
}

function isAclCommand(name: string): name is AclCommand {
  for (const c of ACL_COMMANDS) if (c === name) return true;
  return false;
}

/** Parses an ACL string; throws AclError (status 400) naming the offending entry. */
export function parseAcl(text: string): Acl {
  const acl: Acl = {};
  if (text === '') return acl;
  for (const entry of text.split('&')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new AclError(`ACL entry ${JSON.stringify(entry)} is not Command=server+server`);
    const cmd = entry.substring(0, eq);
    if (!isAclCommand(cmd)) throw new AclError(`ACL names the unknown command ${JSON.stringify(cmd)}`);
    const servers = entry.substring(eq + 1).split('+');
    for (const s of servers) {
      if (s === '' || /[\s=&]/.test(s)) throw new AclError(`ACL entry ${JSON.stringify(entry)} has an invalid server id`);
    }
    const list = acl[cmd] || (acl[cmd] = []);
    for (const s of servers) if (list.indexOf(s) < 0) list.push(s);
  }
  return acl;
}

/** Canonical text, commands in ACL_COMMANDS order. */
export function formatAcl(acl: Acl): string {
  const parts: string[] = [];
  for (const c of ACL_COMMANDS) {
    const list = acl[c];
    if (list && list.length) parts.push(c + '=' + list.join('+'));
  }
  return parts.join('&');
}

/** Throws AclError unless the text parses; returns it unchanged (ACLs keep the server's spelling). */
export function validateAcl(text: string): string {
  parseAcl(text);
  return text;
}

/** Does this (non-empty, effective) ACL grant `cmd` to `serverId`? */
export function aclAllows(aclText: string, cmd: AclCommand, serverId: string): boolean {
  const list = parseAcl(aclText)[cmd];
  if (!list) return false;
  return list.indexOf('*') >= 0 || list.indexOf(serverId) >= 0;
}

/** Commands the server that created an interior node holds on it (see creatorAcl). */
const CREATOR_COMMANDS: AclCommand[] = ['Add', 'Delete', 'Get', 'Replace'];

/**
 * The ACL of an interior node a server Adds without Replace rights on its parent. OMA-TS-DM_TND-V1_2 §7.7.1.3 (Changing
 * the ACL): a new node's ACL is empty (it inherits), except that the device MUST then set the ACL so that the creating
 * server has Add, Delete and Replace rights on it; otherwise that server could never change or remove what it made,
 * nor take the node over (taking over needs Replace on the parent). Get is granted as well, as the same section asks a
 * creating server to give itself Delete, Get and Replace. An ACL value replaces inheritance entirely (§7.7.1.1), so the
 * rights the node would have inherited (`inherited`, the parent's effective ACL) are kept and the creator added to
 * them: other servers see the node as before. An unparsable inherited ACL grants nothing and is not carried over.
 */
export function creatorAcl(inherited: string, serverId: string): string {
  // A server id an ACL cannot name (empty, or with a separator) gets nothing; the node keeps what it inherits.
  if (serverId === '' || /[\s=&+]/.test(serverId)) return '';
  let acl: Acl;
  try {
    acl = parseAcl(inherited);
  } catch (e) {
    acl = {};
  }
  for (const c of CREATOR_COMMANDS) {
    const list = acl[c] || (acl[c] = []);
    if (list.indexOf('*') < 0 && list.indexOf(serverId) < 0) list.push(serverId);
  }
  return formatAcl(acl);
}
