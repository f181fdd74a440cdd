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
