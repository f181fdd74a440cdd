// The interactive UI on QuickJS: /dev/tty, or stdin/stdout when stdin is a terminal (or a pipe, for tests and
// scripted consoles). The questions are src/ui/dialog.ts, shared with Node; this file only reads lines.
//
// QuickJS 2021-03-27 can put a terminal into raw mode (os.ttySetRaw) but cannot restore it until exit, so the
// terminal stays in cooked mode: the kernel edits the line (Backspace works) and echoes it. Ctrl-C raises SIGINT,
// caught while a question is open and turned into "cancelled" (→ 214); Ctrl-D on an empty line also cancels.
// Passwords (ET=P) are read with echo off (`stty -echo` on the terminal, restored after the line), so nothing is
// shown rather than `*`. MAXDT ends the question with `timeout` (→ 408) through os.setTimeout.
import * as os from 'os';
import type { Log, UiAnswer, UiRequest, UserInterface } from '../../src/ports/runtime.js';
import { utf8Decode, utf8Encode } from '../../src/bytes.js';
import { runDialog, type LineResult, type LineTerminal } from '../../src/ui/dialog.js';
import type { Timer } from '../../src/triggers/button-driver.js';
import { qjsTimer } from './button.js';

export interface QjsTtyFds {
  input: number;
  output: number;
  /** True when `input` is a terminal (then stty applies). */
  tty: boolean;
}

/** /dev/tty, else stdin/stdout when stdin is a terminal; null when there is none. */
export function openQjsTty(): QjsTtyFds | null {
  const fd = os.open('/dev/tty', os.O_RDWR);
  if (fd >= 0) return { input: fd, output: fd, tty: true };
  if (os.isatty(0)) return { input: 0, output: 1, tty: true };
  return null;
}

const DEFAULT_WAIT_SECONDS = 300;

export class QjsTtyUi implements UserInterface {
  constructor(
    private readonly fds: QjsTtyFds,
    private readonly timer: Timer = qjsTimer,
    private readonly log?: Log,
  ) {}

  async ask(request: UiRequest): Promise<UiAnswer> {
    const waitMs = (request.maxWaitSeconds === undefined ? DEFAULT_WAIT_SECONDS : request.maxWaitSeconds) * 1000;
    const session = new QjsLineSession(this.fds, this.timer, waitMs);
    try {
      const answer = await runDialog(request, session);
      if (this.log) this.log.log('info', 'UI alert answered on the terminal', { kind: request.kind, answer: answer.kind });
      return answer;
    } finally {
      session.close();
    }
  }
}

class QjsLineSession implements LineTerminal {
  private pending = '';
  private waiter: ((r: LineResult) => void) | undefined;
  private ended: 'timeout' | 'cancel' | undefined;
  private echoOff = false;
  private readonly cancelTimer: () => void;
  private readonly buf = new ArrayBuffer(1024);

  constructor(
    private readonly fds: QjsTtyFds,
    timer: Timer,
    waitMs: number,
  ) {
    this.cancelTimer = timer.after(waitMs, () => this.end('timeout'));
    os.signal(os.SIGINT, () => this.end('cancel'));
    os.setReadHandler(fds.input, () => this.onReadable());
  }

  write(text: string): void {
    const bytes = utf8Encode(text);
    let done = 0;
    while (done < bytes.length) {
      const n = os.write(this.fds.output, bytes.buffer as ArrayBuffer, bytes.byteOffset + done, bytes.length - done);
      if (n <= 0) return; // terminal gone: the deadline will still end the question
      done += n;
    }
  }

  readLine(prompt: string, masked: boolean): Promise<LineResult> {
    this.write(prompt);
    if (this.ended) return Promise.resolve({ end: this.ended });
    this.setEcho(!masked);
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.deliverLine();
    });
  }

  private setEcho(on: boolean): void {
    if (!this.fds.tty || on === !this.echoOff) return;
    os.exec(['stty', on ? 'echo' : '-echo'], { stdin: this.fds.input, block: true });
    this.echoOff = !on;
  }

  private onReadable(): void {
    const n = os.read(this.fds.input, this.buf, 0, this.buf.byteLength);
    if (n <= 0) {
      // Ctrl-D on an empty line, or the input closed.
      os.setReadHandler(this.fds.input, null);
      if (this.pending === '') this.end('cancel');
      else this.pending += '\n';
    } else this.pending += utf8Decode(new Uint8Array(this.buf, 0, n));
    this.deliverLine();
  }

  private deliverLine(): void {
    if (!this.waiter) return;
    const nl = this.pending.indexOf('\n');
    if (nl < 0) return;
    const line = this.pending.slice(0, nl).replace(/\r$/, '');
    this.pending = this.pending.slice(nl + 1);
    if (this.echoOff) {
      this.setEcho(true);
      this.write('\n'); // the Enter was not echoed either
    }
    const w = this.waiter;
    this.waiter = undefined;
    w({ line });
  }

  private end(why: 'timeout' | 'cancel'): void {
    if (this.ended) return;
    this.ended = why;
    this.setEcho(true);
    this.write(why === 'timeout' ? '\n(no answer in time)\n' : '\n(cancelled)\n');
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w({ end: why });
  }

  close(): void {
    this.cancelTimer();
    this.setEcho(true);
    os.setReadHandler(this.fds.input, null);
    os.signal(os.SIGINT, null);
  }
}
