// Time for the button's debounce and long-press logic (src/triggers/button-driver.ts).

export interface Timer {
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}
