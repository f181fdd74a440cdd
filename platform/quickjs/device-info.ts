// QuickJS reader for the DeviceInfoReader port, over `std`/`os` only. It reads the same files as the Node reader
// (src/device/sources.ts) under the configured sysRoot; the parsing is shared, so both runtimes agree.
// Files are read with std.open + readAsString, not std.loadFile: loadFile sizes the file with ftell, which is 0
// for /proc and /sys files, so it would read them as empty.

import * as std from 'std';
import * as os from 'os';
import type { DeviceFacts, DeviceInfoReader } from '../../src/ports/runtime.js';
import { type DeviceConfig, type DeviceFileAccess, parseDeviceConfig, readBootId, readDeviceFacts, underRoot } from '../../src/device/index.js';

function readWhole(path: string): string | null {
  const f = std.open(path, 'r');
  if (!f) return null;
  try {
    const text = f.readAsString();
    return f.error() ? null : text;
  } catch (e) {
    return null; // e.g. EISDIR
  } finally {
    f.close();
  }
}

export function quickjsDeviceFileAccess(sysRoot: string): DeviceFileAccess {
  return {
    async readText(rel) {
      return readWhole(underRoot(sysRoot, rel));
    },
    async listDir(rel) {
      const [names, err] = os.readdir(underRoot(sysRoot, rel));
      if (err !== 0) return null;
      return names.filter((n) => n !== '.' && n !== '..');
    },
    async readLink(rel) {
      const [target, err] = os.readlink(underRoot(sysRoot, rel));
      return err !== 0 ? null : target;
    },
    async runCommand(command) {
      const f = std.popen(command, 'r');
      if (!f) return null;
      let out: string;
      try {
        out = f.readAsString(64 * 1024);
      } finally {
        // popen'd FILE: close() answers the command's exit status.
        const status = f.close();
        if (status !== 0) out = '';
      }
      return out === '' ? null : out;
    },
  };
}

export function createQuickjsDeviceInfoReader(rawConfig: unknown): DeviceInfoReader {
  const config: DeviceConfig = parseDeviceConfig(rawConfig);
  const files = quickjsDeviceFileAccess(config.sysRoot);
  return {
    read(): Promise<DeviceFacts> {
      return readDeviceFacts(files, config);
    },
    bootId: () => readBootId(files),
  };
}
