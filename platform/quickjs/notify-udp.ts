// WAP Push over connectionless WSP on UDP (docs/protocol.md §8.3, OMA-TS-DM_Notification-V1_2) on QuickJS, through
// the sockets of our native module (native/dmnative-net.c): the same listener as platform/node/notify-udp.ts, on the
// `os` event loop. Each datagram goes to the core's intake as it is; connectionless push has no answer.
// Bounds: the receive buffer is one fixed buffer of the largest package 0 (+ a WSP header); a larger datagram is
// recognised by its real size (MSG_TRUNC) and dropped whole, and one wake-up takes at most BURST datagrams before
// the loop runs other work (a flood waits in the kernel's socket buffer, which drops the excess).
import * as os from 'os';
import type { Log } from '../../src/ports/runtime.js';
import type { NotificationReceiver } from '../../src/ports/notification.js';
import type { DmNative } from './native.js';

export interface QjsUdpOptions {
  port: number;
  address: string;
  /** Largest datagram handed to the intake. */
  maxBytes: number;
  intake: NotificationReceiver;
  log: Log;
}

const BURST = 64;

export class QjsUdpListener {
  private fd = -1;
  private readonly buf: ArrayBuffer;

  constructor(
    private readonly dm: DmNative,
    private readonly options: QjsUdpOptions,
  ) {
    this.buf = new ArrayBuffer(options.maxBytes);
  }

  /** Binds the socket (errors say `notifications.udp: cannot listen on ...: EADDRINUSE ...`); the bound address. */
  start(): { address: string; port: number } {
    const o = this.options;
    try {
      this.fd = this.dm.udpBind(o.address, o.port);
    } catch (e) {
      throw new Error(`notifications.udp: cannot listen on ${o.address}:${o.port}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const port = this.dm.localPort(this.fd);
    os.setReadHandler(this.fd, () => this.readable());
    o.log.log('info', 'listening for WAP push notifications', { address: o.address, port });
    return { address: o.address, port };
  }

  close(): void {
    if (this.fd < 0) return;
    os.setReadHandler(this.fd, null);
    os.close(this.fd);
    this.fd = -1;
  }

  private readable(): void {
    const o = this.options;
    for (let i = 0; i < BURST && this.fd >= 0; i++) {
      let d: ReturnType<DmNative['recvFrom']>;
      try {
        d = this.dm.recvFrom(this.fd, this.buf, 0, this.buf.byteLength);
      } catch (e) {
        o.log.log('error', 'notification UDP socket error', { error: e instanceof Error ? e.message : String(e) });
        return;
      }
      if (d === null) return;
      const from = `${d.address}:${d.port}`;
      if (d.size > d.n) {
        o.log.log('warn', 'notification dropped', { via: 'udp', from, field: 'datagram', code: 'too-large', reason: `datagram of ${d.size} bytes, at most ${o.maxBytes} taken`, bytes: d.size });
        continue;
      }
      o.intake.receive(new Uint8Array(this.buf.slice(0, d.n)), 'udp', from);
    }
  }
}
