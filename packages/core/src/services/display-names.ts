import { invalid } from '../errors.js';
import { cleanName, looksAlike, MAX_NAME_LENGTH, validateName } from '../names.js';
import type { UserStore } from '../store/user-store.js';

/** What a new account is called when nothing else gives it a name that can be taken. */
const FALLBACK_NAME = 'Commenter';

/**
 * The names commenters go by, wherever one is set (guest sign-in, registration,
 * code and provider sign-in, profile): cleaned (`names.ts`), and not passing for
 * the name of one of the site's admins or moderators, so nobody comments as
 * "the moderator". Staff lists are short: reading their names each time is cheap.
 */
export class DisplayNames {
  constructor(private readonly users: UserStore) {}

  /**
   * A name someone typed: cleaned, or `invalid` on `name` when it is empty, too
   * long, or a look-alike of a staff member's (`self`, the one naming themselves,
   * may keep theirs).
   */
  async accept(siteId: string, raw: string, self: string | null = null): Promise<string> {
    const name = validateName(raw);
    if (await this.impersonates(siteId, name, self)) {
      throw invalid(
        'name',
        'That name is too close to the name of a moderator of this site; choose another.',
      );
    }
    return name;
  }

  /**
   * A name nobody typed here (a provider's, an e-mail address's): the first
   * candidate that is acceptable once cleaned and cut to fit, else "Commenter".
   */
  async pick(siteId: string, candidates: (string | null | undefined)[], self: string | null = null) {
    for (const candidate of candidates) {
      const name = fitted(cleanName(candidate ?? ''));
      if (name && !(await this.impersonates(siteId, name, self))) return name;
    }
    return FALLBACK_NAME;
  }

  private async impersonates(siteId: string, name: string, self: string | null): Promise<boolean> {
    const staff = await this.users.staffNames(siteId);
    for (const [id, staffName] of staff) {
      if (id !== self && looksAlike(name, staffName)) return true;
    }
    return false;
  }
}

/** Cut to the longest length allowed, whole characters only, and trimmed again. */
function fitted(name: string): string {
  let cut = '';
  for (const char of name) {
    if (cut.length + char.length > MAX_NAME_LENGTH) break;
    cut += char;
  }
  return cut.trim();
}
