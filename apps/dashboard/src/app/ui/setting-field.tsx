import { SETTING_SPECS, type SiteSettings, settingText } from '@threadkit/core';
import { Field, Select, Toggle } from './form';

/**
 * The control of one of a site's settings, after its kind in the comment
 * server's own description (`SETTING_SPECS`): a box for a flag, a choice for
 * one of a few words, a number, or text; a secret is never shown, only
 * replaced.
 */
export function SettingField({ name, value }: { name: keyof SiteSettings; value: unknown }) {
  const spec = SETTING_SPECS[name];
  const label = name.replaceAll('_', ' ');
  if (spec.form === 'flag')
    return <Toggle name={name} label={label} defaultChecked={value === true} hint={spec.doc} />;
  if (spec.choices)
    return (
      <Select
        name={name}
        label={label}
        options={spec.choices.map((choice) => ({ value: choice, label: choice }))}
        defaultValue={settingText(value)}
        hint={spec.doc}
      />
    );
  if (spec.secret)
    return (
      <Field
        name={name}
        label={label}
        type="password"
        defaultValue=""
        hint={value ? `${spec.doc} (set; leave empty to keep)` : spec.doc}
      />
    );
  return (
    <Field
      name={name}
      label={label}
      type={spec.form === 'integer' ? 'number' : 'text'}
      defaultValue={settingText(value)}
      hint={spec.doc}
    />
  );
}
