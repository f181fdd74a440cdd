// vitest setup file (vitest.config.ts): after each test, the protocol violations the reference server recorded during
// it fail the test, unless the file opted out (test/support/conformance.ts allowViolations).
import { afterEach } from 'vitest';
import { newViolations, watchServers } from './conformance.js';

watchServers();

afterEach(() => {
  const v = newViolations();
  if (v.length === 0) return;
  const lines = v.map((x) => `  ${x.code}${x.devId ? ` (${x.devId}${x.msgId ? ` msg ${x.msgId}` : ''})` : ''}: ${x.message}`);
  throw new Error(`the reference server recorded ${v.length} protocol violation(s) during this test:\n${lines.join('\n')}`);
});
