// One line that says why a call failed, down to the socket: fetch's own "fetch failed" says
// nothing until its cause ("connect ECONNREFUSED 127.0.0.1:7700") is added.

function codeOf(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function ownText(e: Error): string {
  if (e.message !== '') return e.message;
  // an AggregateError (every address of a name refused) has no message of its own
  if (e instanceof AggregateError) {
    const parts = e.errors.map((x) => (x instanceof Error ? ownText(x) : String(x))).filter((t) => t !== '');
    if (parts.length > 0) return parts.join('; ');
  }
  return codeOf(e) ?? e.name;
}

/** the message, then each cause's words it does not already hold: "fetch failed: connect ECONNREFUSED 127.0.0.1:7700" */
export function causeText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  let text = ownText(e);
  let c: unknown = e.cause;
  for (let depth = 0; depth < 4 && c instanceof Error; depth++) {
    const t = ownText(c);
    if (!text.includes(t)) text += `: ${t}`;
    c = c.cause;
  }
  return text;
}

/** the deepest system error code on the cause chain (ECONNREFUSED, ENOTFOUND…), if any */
export function causeCode(e: unknown): string | undefined {
  let code: string | undefined;
  let c: unknown = e;
  for (let depth = 0; depth < 5 && c instanceof Error; depth++) {
    const k = codeOf(c);
    if (k !== undefined && !k.startsWith('E_')) code = k; // barge's own codes (E_NETWORK) say less than the socket's
    c = c.cause;
  }
  return code;
}
