import { SETTING_SPECS, type SiteSettings } from '@threadkit/core';

/** The settings the form edits: all but the origins, which the site's own form holds. */
export const EDITABLE_SETTINGS = (Object.keys(SETTING_SPECS) as (keyof SiteSettings)[]).filter(
  (name) => name !== 'allowed_origins',
);
