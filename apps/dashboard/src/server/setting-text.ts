import { SETTING_SPECS, type SiteSettings } from '@threadkit/core';

/** A setting's value in the text form its parser reads (what the settings form shows and posts). */
export function settingText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([name, limit]) => `${name}=${String(limit)}`)
      .join(', ');
  return String(value);
}

/** The settings the form edits: all but the origins, which the site's own form holds. */
export const EDITABLE_SETTINGS = (Object.keys(SETTING_SPECS) as (keyof SiteSettings)[]).filter(
  (name) => name !== 'allowed_origins',
);
