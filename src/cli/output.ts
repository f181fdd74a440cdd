// One place that turns command results into text for people or JSON for scripts, identical on both runtimes.

export interface Output {
  /** A line for people (suppressed in --json mode). */
  line(text: string): void;
  /** The command's JSON result (printed once at the end in --json mode). */
  result(value: Record<string, unknown>): void;
  flush(): void;
}

export function createOutput(write: (text: string) => void, json: boolean): Output {
  let result: Record<string, unknown> | undefined;
  return {
    line(text) {
      if (!json) write(text + '\n');
    },
    result(value) {
      result = value;
    },
    flush() {
      if (json && result) write(JSON.stringify(result) + '\n');
    },
  };
}
