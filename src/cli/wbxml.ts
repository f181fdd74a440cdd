// `dm-agent wbxml decode [FILE|-]` and `dm-agent wbxml encode [FILE|-] [--strtbl] [--version V] [--string-id]`.
import { wbxmlToXml, xmlToWbxml } from '../syncml/index.js';
import { base64Encode, utf8Decode } from '../bytes.js';
import { EXIT, UsageError } from './args.js';
import type { CommandContext } from './main.js';
import { InputError } from './errors.js';

export async function runWbxml(ctx: CommandContext): Promise<number> {
  const [verb, file, extra] = ctx.args.words;
  if (verb !== 'decode' && verb !== 'encode') throw new UsageError('wbxml needs decode or encode');
  if (extra !== undefined) throw new UsageError(`wbxml ${verb} takes one FILE, got ${JSON.stringify(extra)} too`);
  const input = !file || file === '-' ? await ctx.host.readStdin() : await readInput(ctx, file);
  const o = ctx.args.options;
  if (verb === 'decode') {
    const xml = wbxmlToXml(input);
    if (ctx.args.global.json) ctx.out.result({ ok: true, xml });
    else ctx.host.writeStdout(xml.endsWith('\n') ? xml : xml + '\n');
    return EXIT.OK;
  }
  const version = typeof o.version === 'string' ? o.version : '1.2';
  if (version !== '1.1' && version !== '1.2' && version !== '1.3') throw new UsageError(`--version must be 1.1, 1.2 or 1.3, got ${version}`);
  const bytes = xmlToWbxml(utf8Decode(input), { version, stringTable: !!o.strtbl, publicId: o['string-id'] ? 'string' : 'numeric' });
  if (ctx.args.global.json) ctx.out.result({ ok: true, bytes: bytes.length, base64: base64Encode(bytes) });
  else ctx.host.writeStdout(bytes);
  return EXIT.OK;
}

async function readInput(ctx: CommandContext, file: string): Promise<Uint8Array> {
  try {
    return await ctx.host.readFile(file);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}
