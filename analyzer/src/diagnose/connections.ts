import type { MiddlewarePlugin } from '@kubestack/plugin-sdk';
import type { Config } from '../config/schema.ts';

/**
 * Which URL the connector of an instance uses: per-instance setting, plugin template, or the plugin
 * default; undefined when none is configured and the plugin has no credential-free default.
 */
export function connectionUrl(
  connectors: Config['connectors'],
  plugin: MiddlewarePlugin,
  address: string,
): string | undefined {
  const settings = connectors[plugin.id];
  const explicit = settings?.instances?.[address];
  if (explicit) return explicit;
  if (!settings?.url) return plugin.connector.defaultUrl(address);
  const separator = address.lastIndexOf(':');
  const host = separator > 0 ? address.slice(0, separator) : address;
  const port = separator > 0 ? address.slice(separator + 1) : '';
  return settings.url.replaceAll('{address}', address).replaceAll('{host}', host).replaceAll('{port}', port);
}
