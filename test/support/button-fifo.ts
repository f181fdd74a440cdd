// A button for a daemon under test: an evdev FIFO held open read-write (so the daemon's open for reading does not
// wait for a writer, and its reads never see an end of file), and a press of key 256 written into it as the kernel
// would deliver it (64-bit input_event records).
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { encodeInputEvent } from '../../src/triggers/evdev.js';
import { wait } from './wait.js';

export const BUTTON_KEY = 256;

export interface ButtonFifo {
  path: string;
  /** Key down, 100 ms, key up. */
  press(): Promise<void>;
  close(): void;
}

export function buttonFifo(path: string): ButtonFifo {
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, 'r+');
  const write = (value: number) => {
    const now = Math.floor(Date.now() / 1000);
    const ev = (type: number, code: number, v: number) => encodeInputEvent({ sec: now, usec: 0, type, code, value: v }, 8);
    writeSync(fd, Buffer.concat([ev(1, BUTTON_KEY, value), ev(0, 0, 0)]));
  };
  return {
    path,
    async press() {
      write(1);
      await wait(100);
      write(0);
    },
    close: () => closeSync(fd),
  };
}
