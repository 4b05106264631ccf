import type { Tokens } from '../../api.js';
import { NameField, Submit } from './fields.js';
import type { Flow } from './flow.js';

/** Commenting as a guest, under a name. */
export function GuestForm({ flow }: { flow: Flow }) {
  const asGuest = flow.submit('guest', async (fields) => {
    const name = fields.required('name', 'missingName');
    flow.finish(await flow.call<Tokens>('POST', '/v1/auth/guest', { name }));
  });
  return (
    <form noValidate onSubmit={asGuest}>
      <NameField flow={flow} />
      <Submit flow={flow} label={flow.w.continueAsGuest} />
    </form>
  );
}
