// Codec throughput measurement that uses only src/ code, so it runs on Node and (bundled) on QuickJS:
// runCodecBench(files) -> MB/s per operation, by wall time and by CPU time. Times with the `now` function given
// (Date.now by default; on Node pass performance.now) and the process CPU clock `cpu` (ms; Node: process.cpuUsage,
// qjs: /proc/self/stat). Each operation runs over the whole corpus repeatedly for at least `minMs`, split into 7
// rounds; the wall figure is the best round, the CPU figure is all rounds' bytes over all rounds' CPU time (a CPU
// clock is not disturbed by other processes, and the 10 ms ticks of /proc/self/stat need the longer span). The C
// harness (scripts/bench-codec.c) does the same.

import { decodeWbxml, decodeXml, encodeWbxml, encodeXml, wbxmlToXml, wbxmlToXmlBytes, xmlToWbxml } from '../src/syncml/index.js';
import type { SyncML } from '../src/syncml/model.js';
import { utf8Decode } from '../src/bytes.js';

export interface BenchFile {
  name: string;
  bytes: Uint8Array;
  /** 'wbxml' input for the decoders, 'xml' input for the encoders. */
  kind: 'wbxml' | 'xml';
}

export interface BenchRow {
  /** e.g. "wbxml->xml". */
  op: string;
  /** What the figure covers, for the table. */
  what: string;
  files: number;
  /** Input bytes processed per pass (WBXML bytes for decoders, XML bytes for XML-side operations). */
  bytesPerPass: number;
  passes: number;
  ms: number;
  /** Best round, by wall time. */
  mbPerS: number;
  /** All rounds, by process CPU time (0 when no CPU clock was given). */
  cpuMbPerS: number;
}

const ROUNDS = 7;

export interface BenchOptions {
  minMs?: number;
  now?: () => number;
  /** Process CPU time in ms (user + system). */
  cpu?: () => number;
}

function measure(op: string, what: string, inputs: unknown[], sizes: number[], f: (x: unknown) => unknown, o: Required<BenchOptions>): BenchRow {
  let bytesPerPass = 0;
  for (const s of sizes) bytesPerPass += s;
  for (const x of inputs) f(x); // warm-up pass, not timed
  // Best of ROUNDS rounds: on a shared, loaded machine the least disturbed round is the codec's own speed.
  let best = { passes: 0, ms: 0, rate: 0 };
  let allPasses = 0;
  const c0 = o.cpu();
  for (let round = 0; round < ROUNDS; round++) {
    let passes = 0;
    const t0 = o.now();
    let ms = 0;
    do {
      for (let i = 0; i < inputs.length; i++) f(inputs[i]);
      passes++;
      ms = o.now() - t0;
    } while (ms < o.minMs / ROUNDS);
    allPasses += passes;
    const rate = (bytesPerPass * passes) / 1e6 / (ms / 1000);
    if (rate > best.rate) best = { passes, ms, rate };
  }
  const cpuMs = o.cpu() - c0;
  const cpuMbPerS = cpuMs > 0 ? (bytesPerPass * allPasses) / 1e6 / (cpuMs / 1000) : 0;
  return { op, what, files: inputs.length, bytesPerPass, passes: best.passes, ms: best.ms, mbPerS: best.rate, cpuMbPerS };
}

export function runCodecBench(files: BenchFile[], opts?: BenchOptions): BenchRow[] {
  const o: Required<BenchOptions> = {
    minMs: (opts && opts.minMs) || 1000,
    now: (opts && opts.now) || (() => Date.now()),
    cpu: (opts && opts.cpu) || (() => 0),
  };
  const rows: BenchRow[] = [];
  const wbxml = files.filter((f) => f.kind === 'wbxml');
  const xml = files.filter((f) => f.kind === 'xml').map((f) => ({ name: f.name, bytes: f.bytes, text: utf8Decode(f.bytes), size: f.bytes.length }));

  if (wbxml.length) {
    // Bytes in, bytes out, as libwbxml's wbxml_conv_wbxml2xml_run: the XML text as UTF-8 bytes.
    rows.push(measure('wbxml->xml', 'wbxmlToXmlBytes (bytes out, like wbxml2xml -m 0)', wbxml.map((f) => f.bytes), wbxml.map((f) => f.bytes.length), (b) => wbxmlToXmlBytes(b as Uint8Array), o));
    rows.push(measure('wbxml->xmlstr', 'wbxmlToXml (the same, a JS string out)', wbxml.map((f) => f.bytes), wbxml.map((f) => f.bytes.length), (b) => wbxmlToXml(b as Uint8Array), o));
    const dm = wbxml.filter((f) => {
      try {
        decodeWbxml(f.bytes);
        return true;
      } catch (e) {
        return false;
      }
    });
    if (dm.length) rows.push(measure('wbxml->model', 'decodeWbxml (DM messages only)', dm.map((f) => f.bytes), dm.map((f) => f.bytes.length), (b) => decodeWbxml(b as Uint8Array), o));
  }
  if (xml.length) {
    // Bytes in (UTF-8 decoding included), as libwbxml's wbxml_conv_xml2wbxml_run.
    rows.push(measure('xml->wbxml', 'xmlToWbxml (UTF-8 bytes in, like xml2wbxml -n -v 1.2)', xml.map((f) => f.bytes), xml.map((f) => f.size), (b) => xmlToWbxml(utf8Decode(b as Uint8Array)), o));
    const models: SyncML[] = [];
    const sizes: number[] = [];
    const texts: string[] = [];
    for (const f of xml) {
      try {
        models.push(decodeXml(f.text));
        sizes.push(f.size);
        texts.push(f.text);
      } catch (e) {
        // not a DM message (DDF): only in the generic row
      }
    }
    if (models.length) {
      rows.push(measure('xml->model', 'decodeXml (DM messages only)', texts, sizes, (t) => decodeXml(t as string), o));
      rows.push(measure('model->wbxml', 'encodeWbxml (same messages; MB/s of their XML size)', models, sizes, (m) => encodeWbxml(m as SyncML), o));
      rows.push(measure('model->xml', 'encodeXml (same messages; MB/s of their XML size)', models, sizes, (m) => encodeXml(m as SyncML), o));
    }
  }
  return rows;
}
