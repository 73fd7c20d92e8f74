// Telling a barge:// address from a local path, without loading the data plane: every
// `barge sync` asks, and only a remote one needs the transport modules.
export const BARGE_SCHEME = 'barge://';

export function isBargeUrl(text: string): boolean {
  return text.startsWith(BARGE_SCHEME);
}
