// A service manager's notification socket for tests: a unix datagram socket (node:dgram has no unix sockets, so a
// small python3 program binds it) that collects every message the agent sends to $NOTIFY_SOCKET (man sd_notify).
import { spawn, type ChildProcess } from 'node:child_process';

const LISTENER = `
import json, socket, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + name[1:] if name.startswith('@') else name)
print('"listening"', flush=True)
while True:
    data = s.recv(65536)  # BARRIER=1's descriptor (systemd-notify) is closed by the kernel: no ancillary buffer
    print(json.dumps(data.decode('utf-8', 'replace')), flush=True)
`;

export interface NotifyListener {
  /** Every datagram received so far, in order. */
  messages: string[];
  close(): void;
}

/** Binds `name` (a path, or '@name' in the abstract namespace) and resolves once it is listening. */
export function listenNotify(name: string): Promise<NotifyListener> {
  const child: ChildProcess = spawn('python3', ['-c', LISTENER, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  let buf = '';
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`notify listener exited ${code}`)));
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const m = JSON.parse(buf.slice(0, i)) as string;
        buf = buf.slice(i + 1);
        if (m === 'listening') resolve({ messages, close: () => child.kill('SIGKILL') });
        else messages.push(m);
      }
    });
  });
}
