// Writes the man page dm-agent.1 from the help text's parts (src/cli/command-table.ts, src/cli/help.ts), so the page
// lists exactly the commands and options the parser accepts. Build output, never committed: scripts/image runs it and
// installs the page at /usr/share/man/man1/dm-agent.1.
//
//   tsx scripts/man-page.ts [--out FILE]      (default: stdout)
//
// The date is SOURCE_DATE_EPOCH's (the image sets it; default: now), so the same commit gives the same bytes.
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMAND_TABLE, type OptionSpec } from '../src/cli/command-table.js';
import { EXIT_STATUS, GLOBAL_OPTIONS, TITLE } from '../src/cli/help.js';

/** Text for a roff line: backslashes escaped, hyphens of options kept as minus signs, no line starting a request. */
function esc(text: string): string {
  const t = text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return t.charAt(0) === '.' || t.charAt(0) === "'" ? `\\&${t}` : t;
}

function optionItem(o: OptionSpec & { short?: string }): string {
  let label = o.short ? `\\fB\\-${o.short}\\fR, ` : '';
  label += `\\fB\\-\\-${esc(o.name)}\\fR`;
  if (o.value) label += o.value.charAt(0) === '[' ? `[=\\fI${esc(o.value.slice(2, -1))}\\fR]` : ` \\fI${esc(o.value)}\\fR`;
  return `.TP\n${label}\n${esc(o.help)}\n`;
}

export function manPage(version: string, date: string): string {
  const [name, description] = TITLE.split(' - ');
  let page = `.TH DM\\-AGENT 1 "${date}" "dm\\-agent ${esc(version)}" "User Commands"\n`;
  page += `.SH NAME\n${esc(name)} \\- ${esc(description)}\n`;
  page += '.SH SYNOPSIS\n.B dm\\-agent\n[\\fIglobal options\\fR] \\fICOMMAND\\fR [\\fIoptions\\fR]\n.br\n.B dm\\-agent help\n\\fICOMMAND\\fR\n';
  page += '.SH DESCRIPTION\n';
  page += 'An OMA DM 1.2 client (OMA\\-TS\\-DM_Protocol\\-V1_2) with firmware (FUMO) and software component (SCOMO) updates. ';
  page += 'It runs the same way on Node.js and on QuickJS; \\fBdm\\-agent \\-\\-version\\fR names the runtime.\n';
  page += '.SH COMMANDS\n';
  for (const c of COMMAND_TABLE) {
    page += `.SS "${c.name}${c.synopsis ? ' ' + esc(c.synopsis) : ''}"\n${esc(c.summary)}\n`;
    for (const d of c.details || []) page += `.br\n${esc(d)}\n`;
    if (c.options.length > 0) page += '.RS\n' + c.options.map(optionItem).join('') + '.RE\n';
  }
  page += '.SH GLOBAL OPTIONS\nGiven before the command; \\fB\\-\\-json\\fR, \\fB\\-\\-wait\\fR and \\fB\\-\\-help\\fR also after it.\n';
  page += GLOBAL_OPTIONS.map(optionItem).join('');
  page += '.SH EXIT STATUS\n' + EXIT_STATUS.map(([code, text]) => `.TP\n.B ${code}\n${esc(text)}\n`).join('');
  page += '.SH FILES\n.TP\n.I /etc/dm\\-agent/config.json\nthe configuration read when \\fB\\-\\-config\\fR is not given (strict JSON; README.md, Configuration)\n';
  page += '.TP\n.I /var/lib/dm\\-agent\nthe default state directory (DM tree, nonces, FUMO and SCOMO jobs, pending reports)\n';
  page += '.SH SEE ALSO\n/usr/share/doc/dm\\-agent/README\n';
  return page;
}

function isoDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const epoch = process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) : Math.floor(Date.now() / 1000);
  const page = manPage(version, isoDate(epoch));
  const i = process.argv.indexOf('--out');
  if (i > 0 && process.argv[i + 1]) writeFileSync(process.argv[i + 1], page);
  else process.stdout.write(page);
}
