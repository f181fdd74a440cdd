// UDP and HTTP notifications on a qjs without dmnative's sockets (a stock qjs, or a build older than
// native/dmnative-net.c; our qjs listens itself: notify-udp.ts, notify-http.ts). QuickJS 2021-03-27 has no sockets
// (docs/design.md), so there the agent does not listen itself: it starts `socat` (a small, common tool on gateways
// and in OpenWrt feeds) through os.exec, and a tiny shell helper that socat runs per datagram / connection writes
// each notification into the spool folder, which the QuickJS spool watcher (notify-spool.ts) already polls. Every
// check (WSP header, digest, dedup) stays in the agent.
//   UDP:   socat -u UDP4-RECVFROM:<port>,bind=<addr>,reuseaddr,fork EXEC:<spool>/.helpers/udp.sh
//          -> <spool>/udp-<time>-<pid>-<peer>.bin  (the WSP push PDU as received)
//   HTTP:  socat -T 10 TCP4-LISTEN:<port>,bind=<addr>,reuseaddr,fork,max-children=8 EXEC:<spool>/.helpers/http.sh
//          -> the helper checks path, method, Content-Type and Content-Length like the Node endpoint and answers
//          202 Accepted once the body is spooled. Unlike Node, the answer cannot say whether the digest verified
//          (that happens at the next spool pass): 202 means "spooled", not "queued". 404/405/411/413/415 as on Node.
// Limits: the HTTP relay serves at most 8 connections at once with a 10 s idle timeout; the UDP relay forks one
// short helper per datagram (socat's max-children does not work with UDP-RECVFROM here: datagrams went missing),
// so bind it to the network the push proxy uses. The spool pass keeps only the newest files in done/ and bad/.
// Why not the alternatives: busybox `nc -u -l` ends after the first sender and cannot separate datagrams; the socket
// calls compiled into our qjs (native/dmnative-net.c) are what replaced socat there.
import * as os from 'os';
import type { Log } from '../../src/ports/runtime.js';
import { maxPkg0Bytes } from '../../src/notification/pkg0.js';
import { MIME_SYNCML_NOTIFICATION } from '../../src/notification/wsp.js';
import { SIGKILL, mkdirp, readText, writeText } from './files.js';

export type RelayKind = 'udp' | 'http';

export interface SocatRelayOptions {
  kind: RelayKind;
  port: number;
  address: string;
  /** The spool folder the helper writes into (the QuickJS spool watcher must poll it). */
  spoolDir: string;
  /** HTTP path, default /notification. */
  path?: string;
  /** socat executable (looked up in PATH), default "socat". */
  socat?: string;
  /** Largest body the HTTP helper accepts (default: the largest package 0 with 1024 vendor bytes, + 64). */
  maxBytes?: number;
  log: Log;
}

export class SocatRelayError extends Error {
  constructor(
    readonly kind: RelayKind,
    message: string,
  ) {
    super(`notifications.${kind}: ${message}`);
    this.name = 'SocatRelayError';
  }
}

/** Single-quoted for sh. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function udpHelper(dir: string, maxBytes: number): string {
  return `#!/bin/sh
# Written by dm-agent (platform/quickjs/notify-socket.ts). socat runs this once per datagram, the datagram on stdin.
dir=${shQuote(dir)}
umask 077
t="$dir/.udp-$$.tmp"
head -c ${maxBytes} > "$t" || { rm -f "$t"; exit 1; }
peer=$(printf '%s' "\${SOCAT_PEERADDR:-unknown}" | tr -c 'A-Za-z0-9.' '_')
if [ -s "$t" ]; then mv "$t" "$dir/udp-$(date +%s)-$$-$peer.bin"; else rm -f "$t"; fi
`;
}

function httpHelper(dir: string, path: string, maxBytes: number): string {
  return `#!/bin/sh
# Written by dm-agent (platform/quickjs/notify-socket.ts). socat runs this once per TCP connection: one HTTP request
# in, one answer out. The body (package 0) goes into the spool folder; the agent verifies it there.
dir=${shQuote(dir)}
want_path=${shQuote(path)}
CR=$(printf '\\r')
drain=
reply() {
  # Read what the client is still sending before answering: closing with unread bytes resets the connection
  # and the client would never see the answer.
  if [ -n "$drain" ]; then head -c "$drain" > /dev/null; fi
  printf 'HTTP/1.0 %s\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\nContent-Length: %s\\r\\n\\r\\n%s\\n' "$1" "$(( \${#2} + 1 ))" "$2"
  exit 0
}
IFS= read -r line || exit 0
line=\${line%"$CR"}
method=\${line%% *}
rest=\${line#* }
target=\${rest%% *}
len=
type=
while IFS= read -r h; do
  h=\${h%"$CR"}
  [ -z "$h" ] && break
  name=$(printf '%s' "\${h%%:*}" | tr 'A-Z' 'a-z')
  value=\${h#*:}
  case $name in
    content-length) len=$(printf '%s' "$value" | tr -d ' \\t') ;;
    content-type) type=$(printf '%s' "\${value%%;*}" | tr 'A-Z' 'a-z' | tr -d ' \\t') ;;
  esac
done
case $len in ''|*[!0-9]*) ;; *) if [ "$len" -le 65536 ]; then drain=$len; else drain=65536; fi ;; esac
[ "\${target%%\\?*}" = "$want_path" ] || reply '404 Not Found' 'not found'
[ "$method" = POST ] || reply '405 Method Not Allowed' 'POST only'
[ "$type" = ${MIME_SYNCML_NOTIFICATION} ] || reply '415 Unsupported Media Type' 'content type must be ${MIME_SYNCML_NOTIFICATION}'
case $len in ''|*[!0-9]*) reply '411 Length Required' 'Content-Length required' ;; esac
[ "$len" -le ${maxBytes} ] || reply '413 Payload Too Large' 'body over ${maxBytes} bytes'
umask 077
t="$dir/.http-$$.tmp"
drain=
head -c "$len" > "$t"
got=$(wc -c < "$t" | tr -d ' ')
if [ "$got" != "$len" ]; then rm -f "$t"; reply '400 Bad Request' 'body shorter than Content-Length'; fi
mv "$t" "$dir/http-$(date +%s)-$$.bin"
reply '202 Accepted' 'spooled'
`;
}

const wait = (ms: number) => new Promise<void>((resolve) => os.setTimeout(resolve, ms));

/** One socat process relaying UDP datagrams or HTTP requests into the spool folder. */
export class SocatRelay {
  private pid = -1;
  private readonly helperDir: string;
  private readonly errFile: string;

  constructor(private readonly options: SocatRelayOptions) {
    this.helperDir = `${options.spoolDir.replace(/\/+$/, '')}/.helpers`;
    this.errFile = `${this.helperDir}/${options.kind}.stderr`;
    // socat splits EXEC:<command> on spaces and treats , : ! specially: keep the helper path plain.
    if (!/^[A-Za-z0-9_./+-]+$/.test(this.helperDir)) {
      throw new SocatRelayError(options.kind, `spool dir ${JSON.stringify(options.spoolDir)} must use only letters, digits and _ . / + - (socat EXEC syntax)`);
    }
  }

  /** The socat command line (exposed for logs and tests). */
  command(): string[] {
    const o = this.options;
    const v6 = o.address.indexOf(':') >= 0;
    const bind = v6 ? `[${o.address}]` : o.address;
    const socat = o.socat || 'socat';
    const script = `${this.helperDir}/${o.kind}.sh`;
    if (o.kind === 'udp') return [socat, '-u', `UDP${v6 ? 6 : 4}-RECVFROM:${o.port},bind=${bind},reuseaddr,fork`, `EXEC:${script}`];
    return [socat, '-T', '10', `TCP${v6 ? 6 : 4}-LISTEN:${o.port},bind=${bind},reuseaddr,fork,max-children=8`, `EXEC:${script}`];
  }

  /** Writes the helper, starts socat, and fails with socat's own message when it exits within `settleMs`. */
  async start(settleMs = 300): Promise<void> {
    const o = this.options;
    const maxBytes = o.maxBytes === undefined ? maxPkg0Bytes() + 64 : o.maxBytes;
    mkdirp(this.helperDir, 0o700);
    const script = `${this.helperDir}/${o.kind}.sh`;
    writeText(script, o.kind === 'udp' ? udpHelper(o.spoolDir, maxBytes) : httpHelper(o.spoolDir, o.path || '/notification', maxBytes), 0o700);
    const errFd = os.open(this.errFile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600);
    const nullFd = os.open('/dev/null', os.O_RDWR);
    if (errFd < 0 || nullFd < 0) throw new SocatRelayError(o.kind, `cannot open ${this.errFile} or /dev/null`);
    try {
      this.pid = os.exec(this.command(), { block: false, usePath: true, stdin: nullFd, stdout: nullFd, stderr: errFd });
    } finally {
      os.close(errFd);
      os.close(nullFd);
    }
    await wait(settleMs);
    const exited = this.reap();
    if (exited !== null) {
      const why = (readText(this.errFile) || '').trim().split('\n').slice(-3).join(' | ');
      const code = exited === 127 << 8 ? `${o.socat || 'socat'} not found (install socat)` : `socat exited (status ${exited})`;
      throw new SocatRelayError(o.kind, `${code}${why ? ': ' + why : ''}`);
    }
    o.log.log('info', `relaying ${o.kind.toUpperCase()} notifications into the spool through socat`, { address: o.address, port: o.port, pid: this.pid });
  }

  /** True while socat runs. */
  alive(): boolean {
    return this.pid > 0 && this.reap() === null;
  }

  /** Stops socat (SIGTERM, then SIGKILL after a second). */
  async close(): Promise<void> {
    if (this.pid <= 0) return;
    os.kill(this.pid, os.SIGTERM);
    for (let i = 0; i < 20 && this.reap() === null; i++) await wait(50);
    if (this.pid > 0) {
      os.kill(this.pid, SIGKILL); // QuickJS has no os.SIGKILL (files.ts)
      os.waitpid(this.pid, 0);
      this.pid = -1;
    }
  }

  /** Wait status when socat has exited (and forgets the pid), null while it runs. */
  private reap(): number | null {
    if (this.pid <= 0) return 0;
    const [ret, status] = os.waitpid(this.pid, os.WNOHANG);
    if (ret === this.pid || ret < 0) {
      this.pid = -1;
      return ret < 0 ? 0 : status;
    }
    return null;
  }
}
