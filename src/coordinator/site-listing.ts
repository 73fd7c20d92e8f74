// The sites the API lists: each configured site with the names of its endpoints, and the
// sites endpoints name without a [sites] entry of their own.
import type { ServiceConfig, SiteConfig } from '../config/service-config.js';

export function sitesOf(config: ServiceConfig): (SiteConfig & { endpoints: string[] })[] {
  const out = new Map<string, { name: string; description?: string; endpoints: string[] }>();
  for (const s of config.sites.values()) out.set(s.name, { ...s, endpoints: [] });
  for (const e of config.endpoints.values()) {
    let s = out.get(e.site);
    if (!s) out.set(e.site, (s = { name: e.site, endpoints: [] }));
    s.endpoints.push(e.name);
  }
  return [...out.values()];
}
