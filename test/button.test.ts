// The Node button sources on real files: crafted 24- and 16-byte input_events through a FIFO (mkfifo) and a regular
// file, and a GPIO value file changed under a polling reader.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Log } from '../src/ports/runtime.js';
import { EV_KEY, EV_SYN, encodeInputEvent, parseButtonConfig, type InputEvent, type TriggerEvent, type WordSize } from '../src/triggers/index.js';
import { startEvdevButton, startGpioButton, nativeWordSize } from '../platform/node/button.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dm-button-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const lines: string[] = [];
const log: Log = { log: (level, message) => lines.push(`${level} ${message}`) };

const KEY = 0x100; // BTN_0
const SEC = 1763800000;

/** One key packet: EV_KEY + EV_SYN, `ms` after SEC. */
function keyPacket(ms: number, value: number, ws: WordSize, code = KEY, le = true): Uint8Array {
  const sec = SEC + Math.floor(ms / 1000);
  const usec = (ms % 1000) * 1000;
  return Buffer.concat([encodeInputEvent({ sec, usec, type: EV_KEY, code, value }, ws, le), encodeInputEvent({ sec, usec, type: EV_SYN, code: 0, value: 0 }, ws, le)]);
}

function hasMkfifo(): boolean {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (_e) {
    return false;
  }
}

describe.each([8, 4] as WordSize[])('evdev button, %i-byte words', (ws) => {
  const cfg = (extra: Record<string, unknown>) => parseButtonConfig(extra);

  it('reads a regular file of events: debounced presses of the configured key only (auto word size)', async () => {
    const file = path.join(dir, `events-${ws}.bin`);
    fs.writeFileSync(
      file,
      Buffer.concat([
        keyPacket(0, 1, ws), // press → trigger
        keyPacket(5, 0, ws), // bounce
        keyPacket(9, 1, ws), // bounce
        keyPacket(300, 2, ws), // autorepeat
        keyPacket(400, 0, ws), // release
        keyPacket(500, 1, ws, 0x1c), // other key (KEY_ENTER): ignored
        keyPacket(2000, 1, ws), // second press → trigger
        keyPacket(2100, 0, ws),
      ]),
    );
    const events: TriggerEvent[] = [];
    const seen: InputEvent[] = [];
    const src = startEvdevButton(cfg({ device: file, keyCode: KEY, debounceMs: 50 }), (e) => events.push(e), log, (e) => seen.push(e));
    await src.done;
    expect(seen).toHaveLength(16);
    expect(events).toEqual([
      { kind: 'button', request: 'user', at: SEC * 1000 },
      { kind: 'button', request: 'user', at: SEC * 1000 + 2000 },
    ]);
  });

  it.skipIf(!hasMkfifo())('reads a FIFO fed in pieces, with a long press', async () => {
    const fifo = path.join(dir, `fifo-${ws}`);
    execFileSync('mkfifo', [fifo]);
    const events: TriggerEvent[] = [];
    const src = startEvdevButton(cfg({ device: fifo, keyCode: KEY, debounceMs: 20, longPressMs: 3000, wordSize: ws }), (e) => events.push(e), log);
    const w = await fs.promises.open(fifo, 'w');
    const bytes = Buffer.concat([keyPacket(0, 1, ws), keyPacket(1000, 0, ws), keyPacket(5000, 1, ws), keyPacket(9000, 0, ws)]);
    // Split writes in the middle of events, as a slow pipe could deliver them.
    for (let at = 0; at < bytes.length; at += 7) {
      await w.write(bytes.subarray(at, Math.min(bytes.length, at + 7)));
      await new Promise((r) => setTimeout(r, 1));
    }
    await w.close();
    await src.done;
    // The 1 s press is too short; the 4 s press triggers at 3 s into the hold.
    expect(events).toEqual([{ kind: 'button', request: 'user', at: SEC * 1000 + 8000 }]);
    expect(lines.some((l) => l.includes('too short'))).toBe(true);
  });
});

describe('evdev button: details', () => {
  it('reads big-endian events when told', async () => {
    const file = path.join(dir, 'be.bin');
    fs.writeFileSync(file, Buffer.concat([keyPacket(0, 1, 4, KEY, false), keyPacket(100, 0, 4, KEY, false)]));
    const events: TriggerEvent[] = [];
    await startEvdevButton(parseButtonConfig({ device: file, bigEndian: true, wordSize: 4 }), (e) => events.push(e), log).done;
    expect(events).toHaveLength(1);
  });
  it('logs a missing device instead of throwing', async () => {
    const n = lines.length;
    await startEvdevButton(parseButtonConfig({ device: path.join(dir, 'nope') }), () => {}, log).done;
    expect(lines.slice(n).join('\n')).toMatch(/button device failed/);
  });
  it('knows the native word size of this machine', () => {
    expect(nativeWordSize()).toBe(process.arch === 'x64' || process.arch === 'arm64' ? 8 : 4);
  });
});

describe('GPIO button (polled value file)', () => {
  it('logs a missing sysfs GPIO once, with how to export it', async () => {
    const seen: { message: string; fields?: Record<string, unknown> }[] = [];
    const src = startGpioButton(parseButtonConfig({ gpio: 987654, pollMs: 5 }), () => {}, { log: (_l, message, fields) => seen.push({ message, fields }) });
    await new Promise((r) => setTimeout(r, 40));
    src.stop();
    await src.done;
    expect(seen).toHaveLength(1);
    expect(seen[0].message).toBe('GPIO value file unreadable');
    expect(seen[0].fields!.hint).toBe('export it first: echo 987654 > /sys/class/gpio/export; echo in > /sys/class/gpio/gpio987654/direction');
  });

  const until = async (cond: () => boolean, ms = 3000) => {
    const end = Date.now() + ms;
    while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  };

  it('active low: 1 → 0 is a press, one trigger per press, bounce ignored', async () => {
    const value = path.join(dir, 'gpio-value');
    fs.writeFileSync(value, '1\n');
    const events: TriggerEvent[] = [];
    const src = startGpioButton(parseButtonConfig({ gpio: value, pollMs: 5, debounceMs: 30 }), (e) => events.push(e), log);
    await new Promise((r) => setTimeout(r, 30));
    expect(events).toHaveLength(0);
    fs.writeFileSync(value, '0\n'); // pressed
    await until(() => events.length === 1);
    fs.writeFileSync(value, '1\n'); // bounce inside the 30 ms lockout
    fs.writeFileSync(value, '0\n');
    await new Promise((r) => setTimeout(r, 60));
    fs.writeFileSync(value, '1\n'); // released
    await new Promise((r) => setTimeout(r, 60));
    fs.writeFileSync(value, '0\n'); // second press
    await until(() => events.length === 2);
    src.stop();
    await src.done;
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.kind === 'button' && e.request === 'user')).toBe(true);
    expect(events[1].at - events[0].at).toBeGreaterThanOrEqual(100);
  });

  it('active high with a long press, and junk in the file is logged once', async () => {
    const value = path.join(dir, 'gpio-value-2');
    fs.writeFileSync(value, '0');
    const events: TriggerEvent[] = [];
    const src = startGpioButton(parseButtonConfig({ gpio: value, activeLow: false, pollMs: 5, debounceMs: 10, longPressMs: 400 }), (e) => events.push(e), log);
    fs.writeFileSync(value, '1');
    await new Promise((r) => setTimeout(r, 60));
    fs.writeFileSync(value, '0'); // too short
    await new Promise((r) => setTimeout(r, 40));
    expect(events).toHaveLength(0);
    fs.writeFileSync(value, '1'); // held
    await until(() => events.length === 1);
    const n = lines.length;
    fs.writeFileSync(value, 'x');
    await new Promise((r) => setTimeout(r, 40));
    src.stop();
    await src.done;
    expect(events).toHaveLength(1);
    expect(lines.slice(n).filter((l) => l.includes('neither 0 nor 1'))).toHaveLength(1);
  });
});
