// Finds our native module `dmnative` (platform/quickjs/native/dmnative.c) when the agent runs on our own qjs
// build, and reports null on a stock qjs so adapters can fall back (pure-JS hashing, the `sync` command).
// A dynamic import is used because a static `import ... from 'dmnative'` would make the whole bundle fail to
// link on a qjs without the module.
import type * as DmNativeModule from 'dmnative';

export type DmNative = typeof DmNativeModule;

let loading: Promise<DmNative | null> | null = null;

export function loadDmNative(): Promise<DmNative | null> {
  if (loading === null) {
    loading = import('dmnative').then(
      (m) => m as DmNative,
      () => null,
    );
  }
  return loading;
}
