// DevId schemes (docs/protocol.md §4.1: a globally unique id, URN style such as `IMEI:493005100592800`). The DevId is also
// the SyncHdr Source/LocURI of every message, so it must be stable across reboots and identical on both runtimes.

import type { DeviceConfig } from './config.js';
import { DeviceConfigError, DeviceFactError } from './errors.js';

export interface DevIdInputs {
  /** Interfaces in name order with MACs as read (any case, `:` separated). */
  netInterfaces: { name: string; address: string; virtual: boolean }[];
  serial?: string;
  uuid?: string;
}

/** Interface names that are never the device's own hardware, whatever /sys says. */
const VIRTUAL_NAME = /^(lo|docker|veth|br-|virbr|vnet|tun|tap|wg|dummy|bond|team|zt|tailscale|cni|flannel|vxlan|kube)/;

/** `00:1A:2b:...` -> `001A2B...`; null for anything that is not a usable unicast MAC (all zero, broadcast). */
export function normaliseMac(text: string): string | null {
  const t = text.trim();
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(t)) return null;
  const mac = t.replace(/[:-]/g, '').toUpperCase();
  if (mac === '000000000000' || mac === 'FFFFFFFFFFFF') return null;
  return mac;
}

/** The interface the `mac` scheme uses: the pinned one, else the first physical non-loopback one by name. */
export function pickInterface(inputs: DevIdInputs, pinned?: string): { name: string; mac: string } | null {
  for (const i of inputs.netInterfaces) {
    const mac = normaliseMac(i.address);
    if (!mac) continue;
    if (pinned !== undefined) {
      if (i.name === pinned) return { name: i.name, mac };
    } else if (!i.virtual && !VIRTUAL_NAME.test(i.name)) return { name: i.name, mac };
  }
  return null;
}

/** Luhn check digit test, as IMEIs carry one (3GPP TS 23.003). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let n = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}

function checkText(what: string, v: string): string {
  if (v === '' || /[\u0000-\u001f\u007f]/.test(v)) throw new DeviceConfigError(`${what} must be non-empty text without control characters`);
  return v;
}

export function makeDevId(config: DeviceConfig, inputs: DevIdInputs): string {
  switch (config.devIdScheme) {
    case 'fixed':
      return checkText('device.devId', (config.devId || '').trim());
    case 'imei': {
      const digits = (config.devId || '').trim().replace(/^IMEI:/i, '');
      if (!/^\d{15}$/.test(digits)) throw new DeviceConfigError(`device.devId must be a 15-digit IMEI, got ${JSON.stringify(config.devId)}`);
      if (!luhnValid(digits)) throw new DeviceConfigError(`device.devId ${digits} fails the IMEI check digit (Luhn)`);
      return 'IMEI:' + digits;
    }
    case 'mac': {
      const picked = pickInterface(inputs, config.netInterface);
      if (!picked) {
        throw new DeviceFactError(
          config.netInterface !== undefined
            ? `devIdScheme mac: interface ${config.netInterface} has no usable MAC under /sys/class/net`
            : 'devIdScheme mac: no physical non-loopback interface with a MAC under /sys/class/net',
        );
      }
      return 'MAC:' + picked.mac;
    }
    case 'serial':
      if (!inputs.serial) throw new DeviceFactError('devIdScheme serial: no serial number in DMI product_serial, device-tree serial-number or cpuinfo Serial');
      return 'SN:' + checkText('serial number', inputs.serial);
    case 'uuid':
      if (!inputs.uuid) throw new DeviceFactError('devIdScheme uuid: no DMI product_uuid (readable by root only on most PCs)');
      return 'UUID:' + checkText('uuid', inputs.uuid.toLowerCase());
  }
  throw new DeviceConfigError(`unknown devIdScheme ${String(config.devIdScheme)}`);
}
