// The interactive UI on a terminal: /dev/tty when there is one (a person at the serial console or an SSH session),
// else stdin/stdout when they are a TTY. Every question waits at most MAXDT (already capped by ui.maxWaitSeconds)
// and then answers `timeout` (→ 408). Raw mode, edited here: Enter submits, Ctrl-C / Esc / Ctrl-D on an empty line
// cancel (→ 214), Backspace edits, passwords (ET=P) echo `*`. The questions themselves are src/ui/dialog.ts.
import fs from 'node:fs';
import tty from 'node:tty';
import type { Log, UiAnswer, UiRequest, UserInterface } from '../../src/ports/runtime.js';
import { runDialog, type LineResult, type LineTerminal } from '../../src/ui/dialog.js';

/** Timers behind an interface so tests can run MAXDT with a fake clock. */
export interface UiTimer {
  after(ms: number, fn: () => void): () => void;
}

export const realTimer: UiTimer = {
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface TtyIo {
  input: NodeJS.ReadableStream & { setRawMode?: (on: boolean) => unknown; isTTY?: boolean };
  output: NodeJS.WritableStream;
  close?: () => void;
}

/** Opens /dev/tty, or stdin/stdout when both are terminals; null when there is no terminal at all. */
export function openTty(): TtyIo | null {
  try {
    const fd = fs.openSync('/dev/tty', 'r+');
    const input = new tty.ReadStream(fd);
    const output = new tty.WriteStream(fd);
    return { input, output, close: () => input.destroy() };
  } catch (_e) {
    if (process.stdin.isTTY && process.stdout.isTTY) return { input: process.stdin, output: process.stdout };
    return null;
  }
}

const DEFAULT_WAIT_SECONDS = 300;

/** True when a terminal can be opened now (checked without keeping it open). */
export function ttyAvailable(): boolean {
  try {
    fs.closeSync(fs.openSync('/dev/tty', 'r+'));
    return true;
  } catch (_e) {
    return !!(process.stdin.isTTY && process.stdout.isTTY);
  }
}

export class TtyUi implements UserInterface {
  /**
   * `io` is a terminal, or a function opening one per question (the default): a terminal held open between
   * questions could keep a one-shot command from exiting, so /dev/tty is opened for each question and closed after.
   */
  constructor(
    private readonly io: TtyIo | (() => TtyIo | null) = openTty,
    private readonly timer: UiTimer = realTimer,
    private readonly log?: Log,
  ) {}

  async ask(request: UiRequest): Promise<UiAnswer> {
    const waitMs = (request.maxWaitSeconds === undefined ? DEFAULT_WAIT_SECONDS : request.maxWaitSeconds) * 1000;
    const io = typeof this.io === 'function' ? this.io() : this.io;
    if (!io) return { kind: 'cannotDisplay', reason: 'no terminal' };
    const session = new LineSession(io, this.timer, waitMs);
    try {
      const answer = await runDialog(request, session);
      if (this.log) this.log.log('info', 'UI alert answered on the terminal', { kind: request.kind, answer: answer.kind });
      return answer;
    } finally {
      session.close();
      if (typeof this.io === 'function' && io.close) io.close();
    }
  }
}

/** Reads edited lines from the terminal in raw mode until one overall deadline. */
class LineSession implements LineTerminal {
  private buffer = '';
  private waiter: ((r: LineResult) => void) | undefined;
  private masked = false;
  private ended: 'timeout' | 'cancel' | undefined;
  private readonly cancelTimer: () => void;
  private readonly onData = (chunk: Buffer | string) => this.keys(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
  private readonly wasRaw: boolean;

  constructor(
    private readonly io: TtyIo,
    timer: UiTimer,
    waitMs: number,
  ) {
    this.wasRaw = !!(io.input as { isRaw?: boolean }).isRaw;
    if (io.input.setRawMode) io.input.setRawMode(true);
    io.input.on('data', this.onData);
    io.input.resume();
    this.cancelTimer = timer.after(waitMs, () => this.end('timeout'));
  }

  write(text: string): void {
    this.io.output.write(text);
  }

  readLine(prompt: string, masked: boolean): Promise<LineResult> {
    this.io.output.write(prompt);
    this.buffer = '';
    this.masked = masked;
    if (this.ended) return Promise.resolve({ end: this.ended });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  private end(why: 'timeout' | 'cancel'): void {
    if (this.ended) return;
    this.ended = why;
    this.io.output.write(why === 'timeout' ? '\n(no answer in time)\n' : '\n(cancelled)\n');
    this.deliver({ end: why });
  }

  private deliver(r: LineResult): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(r);
  }

  private keys(text: string): void {
    if (text.charCodeAt(0) === 0x1b) {
      if (text.length === 1) this.end('cancel'); // a lone Esc; longer runs are cursor keys, ignored
      return;
    }
    for (const ch of text) {
      if (this.ended) return;
      const c = ch.charCodeAt(0);
      if (c === 0x03 || (c === 0x04 && this.buffer === '')) this.end('cancel');
      else if (ch === '\r' || ch === '\n') {
        if (!this.waiter) continue; // a \n after \r, or typing ahead of the prompt
        this.io.output.write('\n');
        this.deliver({ line: this.buffer });
      } else if (c === 0x7f || c === 0x08) {
        if (this.buffer.length > 0) {
          this.buffer = this.buffer.slice(0, -1);
          this.io.output.write('\b \b');
        }
      } else if (c >= 0x20) {
        this.buffer += ch;
        this.io.output.write(this.masked ? '*' : ch);
      }
    }
  }

  close(): void {
    this.cancelTimer();
    this.io.input.removeListener('data', this.onData);
    if (this.io.input.setRawMode) this.io.input.setRawMode(this.wasRaw);
    this.io.input.pause();
  }
}
