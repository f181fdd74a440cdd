// The read-back of a slot write (docs/update-practice.md §10 step 4) is a hash of the whole target from the medium:
// for a large image it takes as long as a download on a slow eMMC, so it is reported as a progress phase of its own.
// The writers hash through WriterFs.sha256 with `fromMedium` (src/update/writers/slot.ts); this wraps that one call
// and leaves every other file operation as it is.
import type { WriterFs } from '../ports/writers.js';
import type { ProgressSink } from '../ports/progress.js';

export function withReadBackProgress(fs: WriterFs, progress: ProgressSink | undefined): WriterFs {
  if (!progress) return fs;
  return {
    open: (path) => fs.open(path),
    exists: (path) => fs.exists(path),
    rename: (from, to) => fs.rename(from, to),
    link: (from, to) => fs.link(from, to),
    remove: (path) => fs.remove(path),
    syncDir: (dir) => fs.syncDir(dir),
    readText: (path) => fs.readText(path),
    async sha256(path, offset, length, options) {
      if (!options || !options.fromMedium) return fs.sha256(path, offset, length, options);
      progress({ phase: 'read-back', done: 0, total: length });
      const digest = await fs.sha256(path, offset, length, {
        fromMedium: true,
        onProgress: (done) => progress({ phase: 'read-back', done: Math.min(done, length), total: length }),
      });
      progress({ phase: 'read-back', done: length, total: length });
      return digest;
    },
  };
}
