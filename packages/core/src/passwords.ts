import { invalid } from './errors.js';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/** The most common passwords of public breach corpora: refused whatever their length. */
const COMMON = new Set(
  `password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword 12345678 123456789
  1234567890 12345678910 11111111 00000000 88888888 87654321 123123123 1q2w3e4r 1q2w3e4r5t 1qaz2wsx
  qwertyui qwertyuiop qwerty123 qwerty12 qwerty1234 asdfghjk asdfghjkl zxcvbnm1 iloveyou iloveyou1
  sunshine princess football baseball basketball superman batman123 trustno1 welcome1 welcome123
  letmein1 letmein123 abc12345 abcd1234 abcdefgh admin123 administrator changeme changeme1 monkey123
  dragon12 master12 shadow12 michael1 jennifer jordan23 whatever starwars computer internet
  1234qwer zaq12wsx q1w2e3r4 q1w2e3r4t5 a1b2c3d4 aa123456 123qweasd qazwsxedc 987654321 666666666
  secret12 secret123 freedom1 hello123 hellohello mustang1 liverpool chelsea1 arsenal1 samsung1
  google123 facebook linkedin twitter1 pokemon1 naruto12 charlie1 thomas12 soccer12 hockey12
  killer12 pepper12 ginger12 summer12 summer2024 summer2025 winter12 winter2024 autumn12 spring12
  matrix12 loveyou1 lovely12 beautiful sweetheart buster12 cookie12 butterfly purple12 orange12
  chocolate banana12 biteme12 test1234 testtest guest123 default1 user1234 login123 access14
  mypassword yourpassword nopassword 12341234 11223344 112233445566 147258369 159753456 741852963`
    .split(/\s+/)
    .filter(Boolean),
);

/** Checks the password rules; throws `invalid_request` on `field` with the reason. */
export function checkPassword(password: string, field = 'password'): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    throw invalid(field, `${field} must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH)
    throw invalid(field, `${field} must be at most ${MAX_PASSWORD_LENGTH} characters`);
  if (COMMON.has(password.toLowerCase()))
    throw invalid(field, `${field} is one of the most common passwords; choose another`);
}

/** The native argon2 module, loaded on the first password: most processes never see one. */
let loaded: Promise<typeof import('argon2')> | undefined;
const argon2 = () => {
  loaded ??= import('argon2');
  return loaded;
};

/** argon2id with the library's defaults (64 MiB, 3 passes, 4 lanes): the OWASP recommendation. */
export const hashPassword = async (password: string): Promise<string> => {
  const library = await argon2();
  return library.hash(password, { type: library.argon2id });
};

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const library = await argon2();
  try {
    return await library.verify(hash, password);
  } catch {
    return false;
  }
}

/**
 * A hash to verify against when the account does not exist, so a wrong e-mail
 * takes as long as a wrong password and timing does not tell them apart.
 */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => {
  decoy ??= hashPassword('decoy password that matches nothing');
  return decoy;
};
