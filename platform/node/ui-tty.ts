// The interactive UI on a terminal: /dev/tty when there is one (a person at the serial console or an SSH session),
// else stdin/stdout when they are a TTY. Every question waits at most MAXDT (already capped by ui.maxWaitSeconds)
// and then answers `timeout` (→ 408). Keys: Enter submits, Ctrl-C / Esc / Ctrl-D on an empty line cancel (→ 214),
// Backspace edits. Passwords (ET=P) echo `*`. Input that does not fit IT/MAXLEN is refused with the reason and asked
// again within the same deadline. Choices are numbered from 1 as on the wire; defaults (DR) are taken on Enter.
import fs from 'node:fs';
import tty from 'node:tty';
import type { Log, UiAnswer, UiRequest, UserInterface } from '../../src/ports.js';
import { checkTextInput } from '../../src/ui/input.js';

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

type LineResult = { line: string } | { end: 'timeout' | 'cancel' };

const DEFAULT_WAIT_SECONDS = 300;

export class TtyUi implements UserInterface {
  constructor(
    private readonly io: TtyIo,
    private readonly timer: UiTimer = realTimer,
    private readonly log?: Log,
  ) {}

  async ask(request: UiRequest): Promise<UiAnswer> {
    const waitMs = (request.maxWaitSeconds === undefined ? DEFAULT_WAIT_SECONDS : request.maxWaitSeconds) * 1000;
    const session = new LineSession(this.io, this.timer, waitMs);
    try {
      const answer = await this.dialog(request, session);
      if (this.log) this.log.log('info', 'UI alert answered on the terminal', { kind: request.kind, answer: answer.kind });
      return answer;
    } finally {
      session.close();
    }
  }

  private write(text: string): void {
    this.io.output.write(text);
  }

  private async dialog(request: UiRequest, s: LineSession): Promise<UiAnswer> {
    this.write(`\n${request.text}\n`);
    switch (request.kind) {
      case 'display':
        // A terminal keeps the text on screen, so MINDT needs no wait here.
        return { kind: 'ok' };
      case 'confirm': {
        const hint = request.defaultYes === undefined ? '[y/n]' : request.defaultYes ? '[Y/n]' : '[y/N]';
        for (;;) {
          const r = await s.readLine(`${hint} `, false);
          if ('end' in r) return r.end === 'timeout' ? { kind: 'timeout' } : { kind: 'cancelled' };
          const a = r.line.trim().toLowerCase();
          if (a === '' && request.defaultYes !== undefined) return { kind: request.defaultYes ? 'yes' : 'no' };
          if (a === 'y' || a === 'yes') return { kind: 'yes' };
          if (a === 'n' || a === 'no') return { kind: 'no' };
          if (a === 'c' || a === 'cancel') return { kind: 'cancelled' };
          this.write('Please answer y (yes), n (no) or c (cancel).\n');
        }
      }
      case 'text': {
        const masked = request.echo === 'P';
        const shown = request.defaultText !== undefined && !masked ? ` [${request.defaultText}]` : '';
        for (;;) {
          const r = await s.readLine(`> ${shown ? shown.slice(1) + ' ' : ''}`, masked);
          if ('end' in r) return r.end === 'timeout' ? { kind: 'timeout' } : { kind: 'cancelled' };
          const typed = r.line === '' && request.defaultText !== undefined ? request.defaultText : r.line;
          const c = checkTextInput(typed, request.inputType, request.maxLength);
          if (c.ok) return { kind: 'text', value: c.value };
          this.write(`Not accepted: ${c.reason}.\n`);
        }
      }
      case 'single':
      case 'multiple': {
        request.choices.forEach((c, i) => this.write(`${request.defaults.indexOf(i + 1) >= 0 ? '*' : ' '} ${i + 1}) ${c}\n`));
        const n = request.choices.length;
        const how = request.kind === 'single' ? `one number 1-${n}` : `numbers 1-${n}, separated by spaces or commas`;
        const dflt = request.defaults.length > 0 ? ` [${request.defaults.join(',')}]` : '';
        for (;;) {
          const r = await s.readLine(`Choose ${how}${dflt}: `, false);
          if ('end' in r) return r.end === 'timeout' ? { kind: 'timeout' } : { kind: 'cancelled' };
          const text = r.line.trim();
          if (text === '' && request.defaults.length > 0) return { kind: 'chosen', indexes: request.defaults.slice() };
          const parts = text.split(/[\s,]+/).filter((p) => p !== '');
          const picked = parts.map((p) => (/^[0-9]+$/.test(p) ? parseInt(p, 10) : NaN));
          const bad = picked.some((p) => !(p >= 1 && p <= n));
          if (!bad && picked.length > 0 && (request.kind === 'multiple' || picked.length === 1)) {
            const uniq = picked.filter((p, i) => picked.indexOf(p) === i).sort((a, b) => a - b);
            return { kind: 'chosen', indexes: uniq };
          }
          this.write(`Please type ${how}.\n`);
        }
      }
    }
  }
}

/** Reads edited lines from the terminal in raw mode until one overall deadline. */
class LineSession {
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
