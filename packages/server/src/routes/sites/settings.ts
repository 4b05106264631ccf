import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { invalid, isSettingName, requireRole, SETTING_SPECS, type SiteSettings } from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { errorResponses, Id, staff } from '../../schemas.js';
import { ownSite } from './roles.js';

const tags = ['sites'];
const SiteParams = Type.Object({ id: Id() });
const Settings = Type.Record(Type.String(), Type.Unknown(), {
  description: `Site settings: ${Object.keys(SETTING_SPECS).join(', ')}. Secret values (API keys) are never shown.`,
});

/** Values that are credentials: written, never read back. */
const SECRET = /(^|_)(key|secret|token)$/;

function shown(settings: SiteSettings): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(settings).map(([name, value]) => [
      name,
      SECRET.test(name) ? (value ? '(set)' : null) : value,
    ]),
  );
}

/** JSON values become the text form the settings' parsers (shared with the CLI) read. */
function asText(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  if (value === null) return '';
  // A map of numbers (rate_limits) reads as `name=value,…`, the form the CLI takes.
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.some(([, v]) => typeof v === 'object' && v !== null))
      throw invalid(name, `${name} has the wrong type`);
    return entries.map(([k, v]) => `${k}=${String(v)}`).join(',');
  }
  return String(value);
}

/** `GET|PUT /v1/sites/:id/settings` for admins and the owner. */
export const siteSettingsRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (
  app,
  { context },
) => {
  app.get(
    '/sites/:id/settings',
    {
      schema: {
        tags,
        summary: "The site's settings (admins)",
        security: staff,
        params: SiteParams,
        response: { 200: Settings, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      ownSite(request);
      requireRole(request.viewer, 'admin');
      return shown((await context.sites.get(request.site.id)).settings);
    },
  );

  app.put(
    '/sites/:id/settings',
    {
      schema: {
        tags,
        summary: 'Change some of the site settings (admins)',
        description:
          'Only the settings given change; each is validated, and nothing changes if one is invalid.',
        security: staff,
        params: SiteParams,
        body: Settings,
        response: { 200: Settings, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      ownSite(request);
      requireRole(request.viewer, 'admin');
      const changes: [keyof SiteSettings, string][] = Object.entries(request.body).map(([name, value]) => {
        if (!isSettingName(name)) throw invalid(name, `Unknown setting "${name}"`);
        return [name, asText(name, value)];
      });
      const settings = await context.sites.setSettings(request.site.id, changes);
      return shown(settings);
    },
  );
};
