// A small certificate authority made with the openssl command, as docs/config.md tells an
// operator to: a CA key and certificate, and server certificates it signs with
// subjectAltNames (DNS and IP). EC keys: quick to make.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  /** the CA's certificate (PEM), what clients are given with --tls-ca */
  cert: string;
  /** a server certificate and key this CA signs, for `names` (DNS names and IP addresses) */
  issue(name: string, names: string[]): { cert: string; key: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeTestCa(dir: string, name: string): TestCa {
  mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name} test CA`], dir);
  return {
    cert: join(dir, `${name}.pem`),
    issue(server, names) {
      const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      writeFileSync(join(dir, `${server}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(['req', ...ec, '-keyout', `${server}.key`, '-out', `${server}.csr`, '-subj', `/CN=${server}`], dir);
      openssl(['x509', '-req', '-in', `${server}.csr`, '-CA', `${name}.pem`, '-CAkey', `${name}.key`, '-CAcreateserial',
        '-out', `${server}.pem`, '-days', '2', '-extfile', `${server}.ext`], dir);
      return { cert: join(dir, `${server}.pem`), key: join(dir, `${server}.key`) };
    },
  };
}
