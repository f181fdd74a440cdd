// WAP Push over connectionless WSP on UDP (docs/protocol.md §8.3): a datagram socket on port 2948 (configurable); each
// datagram is a WSP Push PDU whose body is package 0 (raw package 0 is accepted too, see src/notification/envelope.ts).
// Connectionless push has no answer: what happened is in the log and the intake result.
import { createSocket, type Socket } from 'node:dgram';
import type { Log } from '../../src/ports/runtime.js';
import type { NotificationReceipt, NotificationReceiver } from '../../src/ports/notification.js';
import { WAP_PUSH_PORT } from '../../src/notification/wsp.js';

export interface UdpNotificationOptions {
  /** Default 2948; 0 picks a free port (tests). */
  port?: number;
  /** Default 0.0.0.0; an address with ':' listens on IPv6. */
  address?: string;
  intake: NotificationReceiver;
  log: Log;
  /** Called after each datagram (tests, metrics). */
  onResult?: (result: NotificationReceipt, from: string) => void;
}

export class UdpNotificationListener {
  private socket: Socket | undefined;

  constructor(private readonly options: UdpNotificationOptions) {}

  /** Binds the socket; resolves with the bound address and port. */
  start(): Promise<{ address: string; port: number }> {
    const o = this.options;
    const address = o.address === undefined ? '0.0.0.0' : o.address;
    const port = o.port === undefined ? WAP_PUSH_PORT : o.port;
    const socket = createSocket({ type: address.indexOf(':') >= 0 ? 'udp6' : 'udp4', reuseAddr: false });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      const from = `${rinfo.address}:${rinfo.port}`;
      const result = o.intake.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), 'udp', from);
      if (o.onResult) o.onResult(result, from);
    });
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => reject(new Error(`notifications.udp: cannot listen on ${address}:${port}: ${err.message}`));
      socket.once('error', fail);
      socket.bind(port, address, () => {
        socket.off('error', fail);
        socket.on('error', (err) => o.log.log('error', 'notification UDP socket error', { error: err.message }));
        const a = socket.address();
        o.log.log('info', 'listening for WAP push notifications', { address: a.address, port: a.port });
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.close(() => resolve()));
  }
}
