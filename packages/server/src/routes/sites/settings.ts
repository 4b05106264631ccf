import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import {
  conflict,
  MAX_RATE_LIMIT,
  RATE_BUCKETS,
  requireRole,
  SETTING_SPECS,
  type SettingForm,
  type SiteSettings,
  settingText,
} from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { errorResponses, Id, staff } from '../../schemas.js';
import { ownSite } from './roles.js';

const tags = ['sites'];
const SiteParams = Type.Object({ id: Id() });
const Settings = Type.Record(Type.String(), Type.Unknown(), {
  description: `Site settings: ${Object.keys(SETTING_SPECS).join(', ')}. Secret values (API keys) are never shown.`,
});

/** The text form every setting takes (as `threadkit site set` does); `null` is the empty text. */
const Text = Type.String({ maxLength: 10_000 });
const Budget = Type.Union([Type.Integer({ minimum: 0, maximum: MAX_RATE_LIMIT }), Type.Literal('off')]);

/**
 * What JSON each kind of setting takes, so a value of the wrong shape (an object
 * where text belongs, arrays nested in a list) is a 400 before anything reads it.
 */
const FORMS: Record<SettingForm, TSchema> = {
  flag: Type.Union([Type.Boolean(), Text]),
  integer: Type.Union([Type.Integer(), Text]),
  text: Type.Union([Text, Type.Null()]),
  list: Type.Union([Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 1000 }), Text, Type.Null()]),
  budgets: Type.Union([
    Type.Object(Object.fromEntries(RATE_BUCKETS.map((name) => [name, Type.Optional(Budget)])), {
      additionalProperties: false,
    }),
    Text,
    Type.Null(),
  ]),
};

const SettingsChange = Type.Object(
  Object.fromEntries(
    Object.entries(SETTING_SPECS).map(([name, spec]) => [
      name,
      Type.Optional({ ...FORMS[spec.form], description: spec.doc }),
    ]),
  ),
  {
    additionalProperties: false,
    description:
      'Any of the settings, as JSON (`true`, `5000`, `["a","b"]`, `{"reads": 300}`) or in their text form (`"on"`, `"a,b"`, `"reads=300"`); `null` empties one.',
  },
);
type SettingValue = Static<(typeof FORMS)[SettingForm]>;

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
      return shown((await context.directory.get(request.site.id)).settings);
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
        body: SettingsChange,
        response: { 200: Settings, ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      ownSite(request);
      requireRole(request.viewer, 'admin');
      // Letting webhooks reach the server's own network is the owner's call, not an admin's.
      if ('webhooks_allow_private' in (request.body as object)) requireRole(request.viewer, 'owner');
      // One place holds a site's settings: in SaaS mode, the dashboard.
      if (context.config.mode === 'saas')
        throw conflict("This site's settings are changed on the dashboard.");
      // The schema admits only known settings, each in a form it takes.
      const changes = Object.entries(request.body as Record<keyof SiteSettings, SettingValue>).map(
        ([name, value]) => [name as keyof SiteSettings, settingText(value)] as [keyof SiteSettings, string],
      );
      const settings = await context.sites.setSettings(request.site.id, changes);
      return shown(settings);
    },
  );
};
