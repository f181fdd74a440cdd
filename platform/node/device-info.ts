// Node reader for the DeviceInfoReader port: the Node way of opening the files src/device/sources.ts names (under the
// configured sysRoot). Which file each fact comes from and how it is read are decided in src/device alone, the same
// code the QuickJS reader runs, so `info`, DevInfo (OMA-TS-DM_Protocol-V1_2 §8.3: package 1 carries it) and
// DevDetail say the same on both runtimes for the same files (docs/protocol.md §4.1, §4.2).

import { nodeRunCommand } from './run-command.js';
import { promises as fs } from 'node:fs';
import type { DeviceFacts, DeviceInfoReader } from '../../src/ports/runtime.js';
import { type DeviceConfig, type DeviceFileAccess, parseDeviceConfig, readBootId, readDeviceFacts, underRoot } from '../../src/device/index.js';

export interface NodeDeviceInfoOptions {
  /** Milliseconds a firmware-version command may take (default 5000). */
  commandTimeoutMs?: number;
}

export function nodeDeviceFileAccess(sysRoot: string, commandTimeoutMs = 5000): DeviceFileAccess {
  return {
    async readText(rel) {
      try {
        return await fs.readFile(underRoot(sysRoot, rel), 'utf8');
      } catch (e) {
        return null;
      }
    },
    async listDir(rel) {
      try {
        return await fs.readdir(underRoot(sysRoot, rel));
      } catch (e) {
        return null;
      }
    },
    async readLink(rel) {
      try {
        return await fs.readlink(underRoot(sysRoot, rel));
      } catch (e) {
        return null;
      }
    },
    async runCommand(command) {
      try {
        const r = await nodeRunCommand(['/bin/sh', '-c', command], { timeoutMs: commandTimeoutMs });
        return r.code === 0 ? r.stdout : null;
      } catch (e) {
        return null;
      }
    },
  };
}

export function createNodeDeviceInfoReader(rawConfig: unknown, options: NodeDeviceInfoOptions = {}): DeviceInfoReader {
  const config: DeviceConfig = parseDeviceConfig(rawConfig);
  const files = nodeDeviceFileAccess(config.sysRoot, options.commandTimeoutMs);
  return {
    read(): Promise<DeviceFacts> {
      return readDeviceFacts(files, config);
    },
    bootId: () => readBootId(files),
  };
}
