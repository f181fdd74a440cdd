// The user button on QuickJS: evdev or a FIFO of events read through the `os` event loop (os.setReadHandler, i.e.
// select(2)), and a sysfs GPIO value file polled with os.setTimeout. Decoding, debounce and long press are the
// runtime-free src/triggers code, exactly as on Node.
//
// "auto" word size needs this CPU's `long` size as a tie-breaker; QuickJS does not expose the architecture, so it is
// read from the ELF header of our own interpreter (/proc/self/exe: EI_CLASS 1 = 32-bit, 2 = 64-bit; EI_DATA 1 = little,
// 2 = big endian). qemu-user maps /proc/self/exe to the guest binary, so this is right under emulation too.
import * as os from 'os';
import type { Log } from '../../src/ports/runtime.js';
import { ButtonDriver, type Timer } from '../../src/triggers/button-driver.js';
import type { ButtonConfig } from '../../src/triggers/config.js';
import { EV_KEY, EvdevDecoder, type InputEvent, type WordSize } from '../../src/triggers/evdev.js';
import type { TriggerEvent } from '../../src/triggers/event.js';
import { utf8Decode } from '../../src/bytes.js';

export const qjsTimer: Timer = {
  after(ms, fn) {
    const h = os.setTimeout(fn, ms);
    return () => os.clearTimeout(h);
  },
};

/** Word size and byte order of this process, from its ELF header; 8 / little endian when unreadable. */
export function qjsNativeLayout(): { wordSize: WordSize; littleEndian: boolean } {
  const fd = os.open('/proc/self/exe', os.O_RDONLY);
  if (fd < 0) return { wordSize: 8, littleEndian: true };
  try {
    const buf = new ArrayBuffer(6);
    if (os.read(fd, buf, 0, 6) !== 6) return { wordSize: 8, littleEndian: true };
    const b = new Uint8Array(buf);
    if (b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) return { wordSize: 8, littleEndian: true };
    return { wordSize: b[4] === 1 ? 4 : 8, littleEndian: b[5] !== 2 };
  } finally {
    os.close(fd);
  }
}

export interface QjsButtonSource {
  readonly done: Promise<void>;
  stop(): void;
}

type Emit = (event: TriggerEvent) => void;

function driver(cfg: ButtonConfig, emit: Emit, log: Log): ButtonDriver {
  return new ButtonDriver({ debounceMs: cfg.debounceMs, longPressMs: cfg.longPressMs }, emit, log, qjsTimer, Date.now);
}

/** Key events for `cfg.keyCode` (any key when absent) from an evdev device, a FIFO or a file of events. */
export function startQjsEvdevButton(cfg: ButtonConfig, emit: Emit, log: Log, onEvent?: (e: InputEvent) => void): QjsButtonSource {
  const path = cfg.device as string;
  const native = qjsNativeLayout();
  const decoder = new EvdevDecoder(cfg.wordSize, native.wordSize, !cfg.bigEndian);
  const drv = driver(cfg, emit, log);
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  const fd = os.open(path, os.O_RDONLY); // a FIFO blocks here until a writer opens it
  if (fd < 0) {
    log.log('error', 'button device failed', { device: path, errno: -fd });
    finish();
    return { done, stop() {} };
  }
  const buf = new ArrayBuffer(4096);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    os.setReadHandler(fd, null);
    os.close(fd);
    drv.stop();
    finish();
  };
  os.setReadHandler(fd, () => {
    const n = os.read(fd, buf, 0, buf.byteLength);
    if (n <= 0) {
      if (n < 0) log.log('error', 'button device read failed', { device: path, errno: -n });
      close(); // end of file: FIFO writer gone, or end of a regular file
      return;
    }
    for (const ev of decoder.push(new Uint8Array(buf, 0, n).slice())) {
      if (onEvent) onEvent(ev);
      if (ev.type !== EV_KEY || (cfg.keyCode !== undefined && ev.code !== cfg.keyCode)) continue;
      drv.feed(ev.value !== 0, ev.timeMs);
    }
  });
  return { done, stop: close };
}

function readSmall(path: string): string | null {
  const fd = os.open(path, os.O_RDONLY);
  if (fd < 0) return null;
  try {
    const buf = new ArrayBuffer(64);
    const n = os.read(fd, buf, 0, 64);
    return n < 0 ? null : utf8Decode(new Uint8Array(buf, 0, n));
  } finally {
    os.close(fd);
  }
}

/** How to make a missing sysfs GPIO appear, for the log line. */
function exportHint(path: string): string | undefined {
  const m = /^\/sys\/class\/gpio\/gpio([0-9]+)\/value$/.exec(path);
  return m ? `export it first: echo ${m[1]} > /sys/class/gpio/export; echo in > /sys/class/gpio/gpio${m[1]}/direction` : undefined;
}

/** Polls a GPIO value file (`0`/`1`); `activeLow` means 0 is pressed. */
export function startQjsGpioButton(cfg: ButtonConfig, emit: Emit, log: Log): QjsButtonSource {
  const path = cfg.gpio as string;
  const drv = driver(cfg, emit, log);
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  let stopped = false;
  let handle: unknown;
  let lastProblem = '';
  const poll = () => {
    if (stopped) return;
    const raw = readSmall(path);
    const text = raw === null ? null : raw.trim();
    if (text === '0' || text === '1') {
      drv.feed((text === '1') !== cfg.activeLow, Date.now());
      lastProblem = '';
    } else {
      const problem = text === null ? 'unreadable' : 'value';
      if (problem !== lastProblem)
        log.log(text === null ? 'error' : 'warn', text === null ? 'GPIO value file unreadable' : 'GPIO value file holds neither 0 nor 1', { path, hint: text === null ? exportHint(path) : undefined });
      lastProblem = problem;
    }
    handle = os.setTimeout(poll, cfg.pollMs);
  };
  poll();
  return {
    done,
    stop() {
      stopped = true;
      drv.stop();
      if (handle !== undefined) os.clearTimeout(handle);
      finish();
    },
  };
}

export function startQjsButton(cfg: ButtonConfig, emit: Emit, log: Log): QjsButtonSource {
  return cfg.device !== undefined ? startQjsEvdevButton(cfg, emit, log) : startQjsGpioButton(cfg, emit, log);
}
