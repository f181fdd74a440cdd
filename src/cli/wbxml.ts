// `dm-agent wbxml decode [FILE|-]` and `dm-agent wbxml encode [FILE|-] [--strtbl] [--version V] [--string-id]`.
import { wbxmlToXml, xmlToWbxml } from '../syncml/index.js';
import { base64Encode, utf8Decode } from '../bytes.js';
import { EXIT, UsageError } from './args.js';
import type { CommandContext } from './context.js';
import { InputError } from './errors.js';

/**
 * Largest input `wbxml decode|encode` reads (16 MiB: a thousand times the default MaxMsgSize). Reading stops one byte
 * past it and the command exits 8, so `wbxml decode /dev/zero` or an endless pipe ends at once (dm-agent --help).
 */
export const WBXML_INPUT_LIMIT = 16 * 1024 * 1024;

export async function runWbxml(ctx: CommandContext): Promise<number> {
  const [verb, file, extra] = ctx.args.words;
  if (verb !== 'decode' && verb !== 'encode') throw new UsageError('wbxml needs decode or encode');
  if (extra !== undefined) throw new UsageError(`wbxml ${verb} takes one FILE, got ${JSON.stringify(extra)} too`);
  const fromStdin = !file || file === '-';
  const input = fromStdin ? await ctx.host.readStdin(WBXML_INPUT_LIMIT) : await readInput(ctx, file);
  if (input.length > WBXML_INPUT_LIMIT) {
    throw new InputError(`${fromStdin ? 'stdin' : file}: more than ${WBXML_INPUT_LIMIT} bytes (16 MiB), the most wbxml ${verb} reads`);
  }
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
    return await ctx.host.readFile(file, WBXML_INPUT_LIMIT);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}
