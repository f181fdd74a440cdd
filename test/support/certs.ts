// Test certificates made with openssl: a CA, a good server certificate for 127.0.0.1, one for another host name, an
// expired one, and a second CA (transport-bounds, e2e-trust).
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export const hasOpenssl = spawnSync('sh', ['-c', 'command -v openssl'], { stdio: 'ignore' }).status === 0;

export function makeCertificates(dir: string): Record<string, string> {
  const p = (f: string) => path.join(dir, f);
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=dm-agent bounds CA']);
  run(['req', '-x509', ...ec, '-keyout', p('other-ca.key'), '-out', p('other-ca.pem'), '-days', '2', '-subj', '/CN=another CA']);
  writeFileSync(p('ca.cnf'), '[ca]\ndefault_ca=c\n[c]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n');
  writeFileSync(p('index.txt'), '');
  writeFileSync(p('serial'), '01\n');
  const cert = (name: string, cn: string, san: string, dates: string[]) => {
    run(['req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`]);
    writeFileSync(p(`${name}.ext`), `extendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
    run(['ca', '-batch', '-config', p('ca.cnf'), '-cert', p('ca.pem'), '-keyfile', p('ca.key'), '-in', p(`${name}.csr`), '-out', p(`${name}.pem`), '-extfile', p(`${name}.ext`), '-notext', ...dates]);
  };
  cert('good', '127.0.0.1', 'IP:127.0.0.1', ['-days', '2']);
  cert('wrong-host', 'dm.example.com', 'DNS:dm.example.com', ['-days', '2']);
  cert('expired', '127.0.0.1', 'IP:127.0.0.1', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  return { ca: p('ca.pem'), otherCa: p('other-ca.pem'), dir };
}
