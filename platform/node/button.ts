// The user button on Node: Linux evdev (/dev/input/eventN) or a sysfs GPIO value file. Decoding, debounce and
// long press live in src/triggers (runtime-free); this file only reads bytes and runs timers.
//
// evdev: blocking reads on the device (libuv thread pool), whole events decoded with the configured or guessed word
// size. A FIFO works the same (tests write crafted events into one); end of file ends the reader.
// GPIO: the value file is polled every `pollMs`. (Waiting for an edge needs poll(2) with POLLPRI on the value file,
// which Node cannot do without a native addon; polling a sysfs file costs a few microseconds.)
import fs from 'node:fs';
import type { Log } from '../../src/ports/runtime.js';
import { ButtonDriver, type Timer } from '../../src/triggers/button-driver.js';
import type { ButtonConfig } from '../../src/triggers/config.js';
import { EV_KEY, EvdevDecoder, type InputEvent, type WordSize } from '../../src/triggers/evdev.js';
import type { TriggerEvent } from '../../src/triggers/event.js';

/** The word size of this CPU's `long`, the tie-breaker for "auto". */
export function nativeWordSize(): WordSize {
  return ['arm', 'ia32', 'mips', 'mipsel', 'ppc', 's390'].indexOf(process.arch) >= 0 ? 4 : 8;
}

export interface ButtonSource {
  /** Resolves when the source ends (end of file, stop(), or an error, which is logged). */
  readonly done: Promise<void>;
  stop(): void;
}

type Emit = (event: TriggerEvent) => void;

const nodeTimer: Timer = {
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

function driver(cfg: ButtonConfig, emit: Emit, log: Log): ButtonDriver {
  return new ButtonDriver({ debounceMs: cfg.debounceMs, longPressMs: cfg.longPressMs }, emit, log, nodeTimer, Date.now);
}

/** Reads key events for `cfg.keyCode` (any key when absent) from an evdev device or a FIFO/file of events. */
export function startEvdevButton(cfg: ButtonConfig, emit: Emit, log: Log, onEvent?: (e: InputEvent) => void): ButtonSource {
  const path = cfg.device as string;
  const decoder = new EvdevDecoder(cfg.wordSize, nativeWordSize(), !cfg.bigEndian);
  const drv = driver(cfg, emit, log);
  let stopped = false;
  const done = (async () => {
    const handle = await fs.promises.open(path, 'r');
    try {
      const buf = new Uint8Array(4096);
      while (!stopped) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break; // FIFO writer gone, or end of a regular file
        for (const ev of decoder.push(buf.subarray(0, bytesRead))) {
          if (onEvent) onEvent(ev);
          if (ev.type !== EV_KEY || (cfg.keyCode !== undefined && ev.code !== cfg.keyCode)) continue;
          drv.feed(ev.value !== 0, ev.timeMs); // 1 press, 2 autorepeat (still pressed), 0 release
        }
      }
    } finally {
      await handle.close();
    }
  })().catch((e) => log.log('error', 'button device failed', { device: path, error: String(e) }));
  return {
    done: done.then(() => drv.stop()),
    stop() {
      stopped = true;
      drv.stop();
    },
  };
}

/** How to make a missing sysfs GPIO appear, for the log line. */
function exportHint(path: string): string | undefined {
  const m = /^\/sys\/class\/gpio\/gpio([0-9]+)\/value$/.exec(path);
  return m ? `export it first: echo ${m[1]} > /sys/class/gpio/export; echo in > /sys/class/gpio/gpio${m[1]}/direction` : undefined;
}

/** Polls a GPIO value file (`0`/`1`); `activeLow` means 0 is pressed (the usual pull-up wiring). */
export function startGpioButton(cfg: ButtonConfig, emit: Emit, log: Log): ButtonSource {
  const path = cfg.gpio as string;
  const drv = driver(cfg, emit, log);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  let lastError = '';
  const poll = async () => {
    if (stopped) return finish();
    try {
      const text = (await fs.promises.readFile(path, 'latin1')).trim();
      if (text === '0' || text === '1') {
        drv.feed((text === '1') !== cfg.activeLow, Date.now());
        lastError = '';
      } else if (lastError !== 'value') {
        lastError = 'value';
        log.log('warn', 'GPIO value file holds neither 0 nor 1', { path, value: text.slice(0, 20) });
      }
    } catch (e) {
      if (lastError !== String(e)) log.log('error', 'GPIO value file unreadable', { path, error: String(e), hint: exportHint(path) });
      lastError = String(e);
    }
    if (stopped) return finish();
    timer = setTimeout(poll, cfg.pollMs);
  };
  void poll();
  return {
    done,
    stop() {
      stopped = true;
      drv.stop();
      if (timer) clearTimeout(timer);
      finish();
    },
  };
}

export function startButton(cfg: ButtonConfig, emit: Emit, log: Log): ButtonSource {
  return cfg.device !== undefined ? startEvdevButton(cfg, emit, log) : startGpioButton(cfg, emit, log);
}
