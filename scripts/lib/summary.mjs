// Prints the closing line of scripts/test from vitest's JSON report: "N passed, N failed[, N skipped]".
// Skipped tests print their reason above it (a test that skips must say why via its name or a console line).
import { readFileSync, existsSync } from 'node:fs';

const [file, rcText, startText] = process.argv.slice(2);
const rc = Number(rcText);
let passed = 0, failed = 0, skipped = 0;
const skippedNames = [];
if (existsSync(file)) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  for (const suite of r.testResults || []) {
    if (suite.status === 'failed' && (suite.assertionResults || []).length === 0) {
      failed++; // a test file that failed to load
      console.log(`FAILED to load: ${suite.name}: ${(suite.message || '').split('\n')[0]}`);
    }
    for (const t of suite.assertionResults || []) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') failed++;
      else { skipped++; skippedNames.push(t.fullName || t.title); }
    }
  }
} else {
  failed++;
  console.log('no test report was written');
}
if (rc !== 0 && failed === 0) {
  failed++;
  console.log(`vitest exited with ${rc}`);
}
for (const n of skippedNames) console.log(`skipped: ${n}`);
const secs = Math.round(Date.now() / 1000 - Number(startText));
console.log(`scripts/test took ${secs} s`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
