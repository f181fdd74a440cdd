// Linux input events as read from /dev/input/eventN (linux/input.h):
//   struct input_event { struct timeval time; __u16 type; __u16 code; __s32 value; };
// `timeval` is two C longs, so an event is 24 bytes where long is 8 bytes (x86_64, arm64) and 16 bytes where it is
// 4 (32-bit ARM, i386, MIPS32) — docs/design.md, "Device adapters that are real". Byte order is the CPU's: little
// endian on ARM and x86, big endian on some MIPS routers, so it is a parameter.
// EV_KEY value: 1 press, 0 release, 2 autorepeat. Every packet of events ends with EV_SYN/SYN_REPORT (0, 0, 0).

import type { WordSize } from '../ports/triggers.js';
export type { WordSize } from '../ports/triggers.js';
export const EV_SYN = 0;
export const EV_KEY = 1;
/** Highest event type the kernel defines (EV_MAX = 0x1f); anything above means we are reading at the wrong size. */
const EV_MAX = 0x1f;


export interface InputEvent {
  /** Event time (CLOCK_REALTIME unless the reader changed it), milliseconds. */
  timeMs: number;
  type: number;
  code: number;
  value: number;
}

export function inputEventSize(wordSize: WordSize): number {
  return wordSize * 2 + 8;
}

export class EvdevFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvdevFormatError';
  }
}

function word(view: DataView, at: number, wordSize: WordSize, le: boolean): number {
  if (wordSize === 4) return view.getInt32(at, le);
  const lo = view.getUint32(at + (le ? 0 : 4), le);
  const hi = view.getInt32(at + (le ? 4 : 0), le);
  return hi * 4294967296 + lo;
}

/** Decodes the event at `offset`. */
export function decodeInputEvent(bytes: Uint8Array, offset: number, wordSize: WordSize, littleEndian = true): InputEvent {
  const size = inputEventSize(wordSize);
  if (offset < 0 || offset + size > bytes.length)
    throw new EvdevFormatError(`an input_event of ${size} bytes at offset ${offset} runs past the ${bytes.length} bytes read`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size);
  const sec = word(view, 0, wordSize, littleEndian);
  const usec = word(view, wordSize, wordSize, littleEndian);
  const t = wordSize * 2;
  return {
    timeMs: sec * 1000 + Math.floor(usec / 1000),
    type: view.getUint16(t, littleEndian),
    code: view.getUint16(t + 2, littleEndian),
    value: view.getInt32(t + 4, littleEndian),
  };
}

/** Encodes an event (tests and tools: crafted events written to a FIFO or a file). */
export function encodeInputEvent(ev: { sec: number; usec: number; type: number; code: number; value: number }, wordSize: WordSize, littleEndian = true): Uint8Array {
  const out = new Uint8Array(inputEventSize(wordSize));
  const view = new DataView(out.buffer);
  const put = (at: number, v: number) => {
    if (wordSize === 4) view.setInt32(at, v, littleEndian);
    else {
      view.setUint32(at + (littleEndian ? 0 : 4), v >>> 0, littleEndian);
      view.setInt32(at + (littleEndian ? 4 : 0), Math.floor(v / 4294967296), littleEndian);
    }
  };
  put(0, ev.sec);
  put(wordSize, ev.usec);
  view.setUint16(wordSize * 2, ev.type, littleEndian);
  view.setUint16(wordSize * 2 + 2, ev.code, littleEndian);
  view.setInt32(wordSize * 2 + 4, ev.value, littleEndian);
  return out;
}

function plausible(bytes: Uint8Array, wordSize: WordSize, le: boolean): boolean {
  const size = inputEventSize(wordSize);
  if (bytes.length === 0 || bytes.length % size !== 0) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = 0; at < bytes.length; at += size) {
    if (wordSize === 8) {
      // High halves of tv_sec (until 2106) and tv_usec are zero.
      if (view.getUint32(at + (le ? 4 : 0), le) !== 0 || view.getUint32(at + (le ? 12 : 8), le) !== 0) return false;
    }
    if (view.getUint32(at + wordSize, le) >= 1000000) return false;
    if (view.getUint16(at + wordSize * 2, le) > EV_MAX) return false;
  }
  const last = decodeInputEvent(bytes, bytes.length - size, wordSize, le);
  return last.type === EV_SYN;
}

/**
 * Guesses the event size from one read (the kernel returns whole events, normally whole packets ending in EV_SYN).
 * Returns undefined while the bytes fit both sizes or neither; `hint` (the platform's native size) breaks a tie.
 */
export function guessWordSize(bytes: Uint8Array, hint?: WordSize, littleEndian = true): WordSize | undefined {
  const as8 = plausible(bytes, 8, littleEndian);
  const as4 = plausible(bytes, 4, littleEndian);
  if (as8 && !as4) return 8;
  if (as4 && !as8) return 4;
  if (as4 && as8) return hint;
  return undefined;
}

/**
 * Turns a byte stream into events. Reads may split an event (a FIFO, a slow file); the remainder waits for the next
 * chunk. With wordSize 'auto' bytes are held until `guessWordSize` decides (at most 4 KiB, then the hint is used).
 */
export class EvdevDecoder {
  private pending: Uint8Array = new Uint8Array(0);
  private size: WordSize | undefined;

  constructor(
    wordSize: WordSize | 'auto',
    private readonly hint: WordSize = 8,
    private readonly littleEndian = true,
  ) {
    this.size = wordSize === 'auto' ? undefined : wordSize;
  }

  /** The event size in use, once known. */
  get wordSize(): WordSize | undefined {
    return this.size;
  }

  push(chunk: Uint8Array): InputEvent[] {
    const all = new Uint8Array(this.pending.length + chunk.length);
    all.set(this.pending, 0);
    all.set(chunk, this.pending.length);
    if (this.size === undefined) {
      this.size = guessWordSize(all, this.hint, this.littleEndian);
      if (this.size === undefined && all.length >= 4096) this.size = this.hint;
      if (this.size === undefined) {
        this.pending = all;
        return [];
      }
    }
    const size = inputEventSize(this.size);
    const whole = all.length - (all.length % size);
    const out: InputEvent[] = [];
    for (let at = 0; at < whole; at += size) out.push(decodeInputEvent(all, at, this.size, this.littleEndian));
    this.pending = all.slice(whole);
    return out;
  }
}
