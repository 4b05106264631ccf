import { Type } from '@sinclair/typebox';
import { MAX_PASSWORD_LENGTH } from '@threadkit/core';
import { UserRef } from '../../schemas.js';

const Email = Type.String({ maxLength: 254, description: 'E-mail address.' });
const Phone = Type.String({
  maxLength: 32,
  description: 'Phone number in international form (+14155550123).',
});
const Password = Type.String({ maxLength: MAX_PASSWORD_LENGTH });
const Code = Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code that was sent.' });
const Name = Type.String({ maxLength: 200 });

/** An e-mail or a phone number: one of the two (checked by the service, which names the field). */
const LoginFields = { email: Type.Optional(Email), phone: Type.Optional(Phone) };

const closed = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

export const RegisterBody = closed({ name: Name, ...LoginFields, password: Password });
export const VerifyBody = closed({ ...LoginFields, code: Code });
export const LoginBody = closed({ ...LoginFields, password: Password });
export const ForgotBody = closed(LoginFields);
export const ResetBody = closed({ ...LoginFields, code: Code, new_password: Password });
export const OtpSendBody = closed({ email: Email });
export const OtpVerifyBody = closed({ email: Email, code: Code, name: Type.Optional(Name) });

export const SignedIn = Type.Object({ token: Type.String(), refresh_token: Type.String(), user: UserRef });
export const UserResponse = Type.Object({ user: UserRef });
