import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ThreadKitError, unauthorized } from '@threadkit/core';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { bearer, errorResponses } from '../../schemas.js';
import {
  ForgotBody,
  LoginBody,
  OtpSendBody,
  OtpVerifyBody,
  RegisterBody,
  ResetBody,
  SignedIn,
  UserResponse,
  VerifyBody,
} from './schemas.js';

const tags = ['auth'];
const noContent = { type: 'null', description: 'Done.' } as const;

/** Refuses a sign-in method the site has turned off. */
function requireMethod(request: FastifyRequest, method: string): void {
  if (!request.site.settings.auth_methods.includes(method)) {
    throw new ThreadKitError(
      'forbidden',
      `This site does not offer ${method === 'password' ? 'password' : 'e-mail code'} sign-in.`,
    );
  }
}

/** Accounts with a password (e-mail or phone) and passwordless e-mail codes (`api.md`, Auth). */
export const accountRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const { accounts } = context;

  app.post(
    '/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account with an e-mail or phone and a password',
        description:
          'Sends a verification code. With a guest token, the guest becomes the account and keeps their comments. An address that has an account is a 409 (api.md, Which answers tell).',
        body: RegisterBody,
        response: { 201: SignedIn, ...errorResponses(400, 401, 403, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      requireMethod(request, 'password');
      return reply
        .status(201)
        .send(await accounts.register(request.site, request.viewer, request.body, request.ip));
    },
  );

  app.post(
    '/auth/verify',
    {
      schema: {
        tags,
        summary: 'Confirm an e-mail or phone with the code that was sent',
        description:
          "Send it with the account's token. Without it, whoever entered the code owns the address: an account where it was not verified loses its password and every session (api.md, Proving an address).",
        body: VerifyBody,
        response: { 200: UserResponse, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => ({
      user: await accounts.verify(request.site, request.viewer, request.body, request.ip),
    }),
  );

  app.post(
    '/auth/verify/resend',
    {
      schema: {
        tags,
        summary: 'Send a new verification code to your unverified e-mail or phone',
        security: bearer,
        response: { 204: noContent, ...errorResponses(401, 403, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      if (!request.viewer.user) throw unauthorized('Sign in first.');
      await accounts.resendVerification(request.site, request.viewer.user, request.ip);
      return reply.status(204).send();
    },
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with an e-mail or phone and a password',
        body: LoginBody,
        response: { 200: SignedIn, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      requireMethod(request, 'password');
      return accounts.login(request.site, request.body, request.ip);
    },
  );

  app.post(
    '/auth/forgot',
    {
      schema: {
        tags,
        summary: 'Send a password reset code',
        description:
          'Answers 204 whether or not the account exists, and as soon: the account is looked up and the code sent after answering.',
        body: ForgotBody,
        response: { 204: noContent, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      requireMethod(request, 'password');
      await accounts.forgot(request.site, request.body, request.ip);
      return reply.status(204).send();
    },
  );

  app.post(
    '/auth/reset',
    {
      schema: {
        tags,
        summary: 'Choose a new password with a reset code',
        description: 'Ends every session of the account.',
        body: ResetBody,
        response: { 204: noContent, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      requireMethod(request, 'password');
      await accounts.reset(request.site, request.body, request.ip);
      return reply.status(204).send();
    },
  );

  app.post(
    '/auth/otp/send',
    {
      schema: {
        tags,
        summary: 'E-mail a one-time sign-in code',
        description: 'Answers 204 whether or not an account exists; the code creates one on first use.',
        body: OtpSendBody,
        response: { 204: noContent, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      requireMethod(request, 'email_code');
      await accounts.sendSigninCode(request.site, request.body, request.ip);
      return reply.status(204).send();
    },
  );

  app.post(
    '/auth/otp/verify',
    {
      schema: {
        tags,
        summary: 'Sign in with a one-time e-mail code',
        description:
          'Creates the account on first use, named `name` (or after the address). An existing account whose address was not verified loses its password and every other session (api.md, Proving an address).',
        body: OtpVerifyBody,
        response: { 200: SignedIn, ...errorResponses(400, 401, 403, 409, 429, 503) },
      },
    },
    async (request) => {
      requireMethod(request, 'email_code');
      return accounts.verifySigninCode(request.site, request.viewer, request.body, request.ip);
    },
  );
};
