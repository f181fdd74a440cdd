// The user button on Node: Linux evdev (/dev/input/eventN) or a sysfs GPIO value file. Decoding, debounce and
// long press live in src/triggers (runtime-free); this file only reads bytes and runs timers.
//
// evdev: non-blocking reads of the device, tried again every IDLE_MS while it has nothing (the kernel stamps each event,
// so debounce and long press do not depend on when it is read); whole events decoded with the configured or guessed
// word size. Not blocking reads: a read blocked in libuv's thread pool cannot be cancelled, and Node's exit waits for
// the pool's threads, so a daemon asked to stop stayed alive until the next key press (test/daemon-stop.test.ts).
// A FIFO works the same (tests write crafted events into one): it waits for its first writer, and the end of file
// after that ends the reader.
// GPIO: the value file is polled every `pollMs`. (Waiting for an edge needs poll(2) with POLLPRI on the value file,
// which Node cannot do without a native addon; polling a sysfs file costs a few microseconds.)
import fs from 'node:fs';
import type { Log } from '../../src/ports/runtime.js';
import { ButtonDriver, type Timer } from '../../src/triggers/button-driver.js';
import type { ButtonConfig } from '../../src/triggers/config.js';
import { EV_KEY, EvdevDecoder, type InputEvent, type WordSize } from '../../src/triggers/evdev.js';
import type { TriggerEvent } from '../../src/triggers/event.js';

/** How long an evdev read waits before it looks again when the device had nothing: a press shows within this (a
 * check for updates takes seconds anyway), and an idle daemon wakes five times a second for it. */
const IDLE_MS = 200;

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
  let cutIdle: (() => void) | undefined;
  const idle = () =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, IDLE_MS);
      cutIdle = () => (clearTimeout(t), resolve());
    });
  const done = (async () => {
    const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      // A FIFO reads 0 bytes while no writer has opened it yet: only an end of file after a writer came ends it.
      let writerSeen = !fs.fstatSync(fd).isFIFO();
      const buf = new Uint8Array(4096);
      while (!stopped) {
        // Synchronous: the descriptor never blocks, and a look that finds nothing costs one system call, not a trip
        // through the thread pool. Measured on a shared x86 machine: an idle Node daemon with a button used 19 clock
        // ticks of CPU in 30 s, 4 without one (QuickJS waits for the device in its event loop and pays nothing).
        let bytesRead: number;
        try {
          bytesRead = fs.readSync(fd, buf, 0, buf.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
          writerSeen = true;
          await idle();
          continue;
        }
        if (bytesRead === 0) {
          if (writerSeen) break; // FIFO writer gone, or end of a regular file
          await idle();
          continue;
        }
        writerSeen = true;
        for (const ev of decoder.push(buf.subarray(0, bytesRead))) {
          if (onEvent) onEvent(ev);
          if (ev.type !== EV_KEY || (cfg.keyCode !== undefined && ev.code !== cfg.keyCode)) continue;
          drv.feed(ev.value !== 0, ev.timeMs); // 1 press, 2 autorepeat (still pressed), 0 release
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  })().catch((e) => log.log('error', 'button device failed', { device: path, error: String(e) }));
  return {
    done: done.then(() => drv.stop()),
    stop() {
      stopped = true;
      if (cutIdle) cutIdle();
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
