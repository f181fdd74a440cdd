// One person, one prompt at a time: UI requests are shown strictly in order, and at most `bound` of them wait.
// A server (or a bug) that sends thousands of UI alerts must not grow memory without limit: beyond the bound a
// request is answered at once with `cannotDisplay` (→ Status 416, docs/protocol.md §1.6 "client cannot display the UI alert")
// and one log line says so.
import type { Log, UiAnswer, UiRequest, UserInterface } from '../ports/runtime.js';

interface Waiting {
  request: UiRequest;
  resolve: (a: UiAnswer) => void;
}

export class BoundedUiQueue implements UserInterface {
  private readonly waiting: Waiting[] = [];
  private busy = false;
  private dropped = 0;

  constructor(
    private readonly inner: UserInterface,
    /** Requests allowed to wait behind the one being shown. */
    readonly bound: number,
    private readonly log?: Log,
  ) {
    if (!(bound >= 0) || Math.floor(bound) !== bound) throw new RangeError(`UI queue bound must be a whole number >= 0, got ${bound}`);
  }

  /** Requests waiting now (not counting the one on screen). */
  get pending(): number {
    return this.waiting.length;
  }

  /** Requests refused because the queue was full, since start. */
  get droppedCount(): number {
    return this.dropped;
  }

  ask(request: UiRequest): Promise<UiAnswer> {
    if (this.busy && this.waiting.length >= this.bound) {
      this.dropped++;
      if (this.log) this.log.log('warn', 'UI queue full; answering 416', { kind: request.kind, bound: this.bound, dropped: this.dropped });
      return Promise.resolve({ kind: 'cannotDisplay', reason: `UI queue full (${this.bound} waiting)` });
    }
    return new Promise<UiAnswer>((resolve) => {
      this.waiting.push({ request, resolve });
      this.pump();
    });
  }

  private pump(): void {
    if (this.busy) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.busy = true;
    let answer: Promise<UiAnswer>;
    try {
      answer = this.inner.ask(next.request);
    } catch (e) {
      answer = Promise.reject(e);
    }
    answer
      .then(
        (a) => next.resolve(a),
        (e) => {
          // A broken UI must not wedge the session: the alert is answered as "cannot display".
          if (this.log) this.log.log('error', 'UI failed; answering 416', { error: String(e) });
          next.resolve({ kind: 'cannotDisplay', reason: `UI failed: ${String(e)}` });
        },
      )
      .then(() => {
        this.busy = false;
        this.pump();
      });
  }
}
