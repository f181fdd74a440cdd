// One readable line per DM message, for the CLI log and MessageRecord.summary.
import type { Command, SyncML } from '../../src/syncml/model.js';
import { dataText } from './recorder.js';

function short(s: string | undefined, n = 40): string {
  if (s === undefined) return '';
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

function describe(c: Command): string {
  switch (c.kind) {
    case 'Status': {
      const what = c.cmd === 'SyncHdr' ? 'SyncHdr' : `${c.cmd}#${c.msgRef}.${c.cmdRef}`;
      return `Status ${what} ${c.data}${c.chal ? ' +Chal' : ''}`;
    }
    case 'Results':
      return `Results #${c.cmdRef} ${c.items.map((i) => (i.source ? i.source.locURI : '?') + (i.moreData ? '(more)' : '')).join(',')}`;
    case 'Alert': {
      let s = `Alert ${c.data || '?'}`;
      if (c.data === '1226')
        s += ' ' + c.items.map((i) => `${(i.meta && i.meta.type) || '?'}${i.source ? ' ' + i.source.locURI : ''} "${short(dataText(i.data), 24)}"`).join(', ');
      else if (c.items.length > 1) s += ` "${short(dataText(c.items[1].data), 30)}"`;
      if (c.correlator) s += ` corr=${c.correlator}`;
      return s;
    }
    case 'Exec':
      return `Exec ${c.items.map((i) => (i.target ? i.target.locURI : '?')).join(',')}${c.correlator ? ' corr=' + c.correlator : ''}`;
    case 'Atomic':
    case 'Sequence':
      return `${c.kind}[${c.commands.map(describe).join('; ')}]`;
    default: {
      const uris = c.items.map((i) => (i.target ? i.target.locURI : i.source ? i.source.locURI : '?') + (i.moreData ? '(more)' : ''));
      return `${c.kind} ${uris.length > 3 ? uris.slice(0, 3).join(',') + `,+${uris.length - 3}` : uris.join(',')}`;
    }
  }
}

export function summarize(dir: 'in' | 'out', msg: SyncML, bytes: number, encoding: string): string {
  const h = msg.hdr;
  const arrow = dir === 'in' ? '<-' : '->';
  const dev = dir === 'in' ? h.source.locURI : h.target.locURI;
  const cred = h.cred ? ` Cred(${(h.cred.meta && h.cred.meta.type) || 'basic'})` : '';
  const body = msg.body.map(describe).join(' | ');
  return `${arrow} ${dev} s=${h.sessionID} msg=${h.msgID} [${encoding} ${bytes}B]${cred} ${body}${msg.final ? ' | Final' : ''}`;
}
