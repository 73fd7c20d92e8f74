// What went wrong with a peer's certificate, in one line a person can act on. Node reports
// certificate failures as OpenSSL's codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, …) with terse
// messages; both the data plane and the HTTP client name the problem and the fix.

/** OpenSSL's verification codes that mean "signed by no CA this side trusts" */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
]);

/**
 * A sentence naming the certificate problem of `e` (a socket or request error), or
 * undefined when `e` is not about a certificate. `trustHint` says how this command is
 * given a CA ("--tls-ca FILE").
 */
export function tlsProblem(e: unknown, trustHint: string): string | undefined {
  const code = e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : undefined;
  if (code === undefined) return undefined;
  const said = (e as Error).message;
  if (UNTRUSTED.has(code)) return `the server's TLS certificate is not signed by a CA this side trusts (${code}: ${said}); give the CA that signed it with ${trustHint}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's TLS certificate is not for this address (${said}); connect by a name or IP address in its subjectAltName`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `the server's TLS certificate is out of its validity period (${code}: ${said})`;
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') return `TLS failed (${code}: ${said}); does the server speak TLS, and the same TLS as this side?`;
  return undefined;
}
