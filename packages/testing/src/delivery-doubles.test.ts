import { SmtpMailer, TwilioSms } from '@threadkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWords, parseMessage } from './mime.js';
import { type SmtpTestServer, startSmtpServer } from './smtp.js';
import { startTwilioDouble, type TwilioDouble } from './twilio.js';

describe('startSmtpServer', () => {
  let smtp: SmtpTestServer;
  let mailer: SmtpMailer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    mailer = new SmtpMailer(smtp.url, 'Tests <sender@example.test>');
  });
  afterAll(async () => {
    mailer?.close();
    await smtp?.stop();
  });

  it('records what nodemailer sends, decoded', async () => {
    expect(smtp.url).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    const long = 'é'.repeat(120);
    await mailer.send({
      to: 'Reader@Example.test',
      subject: 'Ünïcode — code inside',
      text: `Your code:\n\n    123456\n\n${long}\n`,
      html: `<p>Your code: <b>123456</b></p><p>${long}</p>`,
    });
    const message = await smtp.nextMessage('reader@example.test');
    expect(message).toMatchObject({
      from: 'Tests <sender@example.test>',
      envelopeFrom: 'sender@example.test',
      to: ['reader@example.test'],
      subject: 'Ünïcode — code inside',
    });
    expect(message.text).toBe(`Your code:\n\n    123456\n\n${long}\n`);
    expect(message.html).toBe(`<p>Your code: <b>123456</b></p><p>${long}</p>`);
    expect(message.raw).toMatch(/^Content-Type: multipart\/alternative/im);
  });

  it('hands out each message once per address, in order', async () => {
    for (const code of ['111111', '222222']) {
      await mailer.send({
        to: 'twice@example.test',
        subject: 's',
        text: `code ${code}`,
        html: `<p>${code}</p>`,
      });
    }
    expect(await smtp.codeFor('twice@example.test')).toBe('111111');
    expect(await smtp.codeFor('twice@example.test')).toBe('222222');
    await expect(smtp.nextMessage('twice@example.test', { timeoutMs: 50 })).rejects.toThrow(/timed out/);
    expect(smtp.messagesTo('TWICE@example.test')).toHaveLength(2);
  });
});

describe('parseMessage', () => {
  it('reads base64 parts and encoded-word headers', () => {
    const raw = [
      'From: =?UTF-8?B?w4lsw6hu?= <a@example.test>',
      'Subject: =?UTF-8?Q?Caf=C3=A9?= =?UTF-8?Q?_time?=',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('code 654321 ✓').toString('base64'),
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<p>654321 =E2=9C=93 long line=',
      ' continues</p>',
      '--b1--',
      '',
    ].join('\r\n');
    const message = parseMessage(raw);
    expect(message.headers.get('from')).toBe('Élèn <a@example.test>');
    expect(message.headers.get('subject')).toBe('Café time');
    expect(message.text).toBe('code 654321 ✓');
    expect(message.html).toBe('<p>654321 ✓ long line continues</p>');
  });

  it('leaves plain header text alone', () => {
    expect(decodeWords('Plain = text ?')).toBe('Plain = text ?');
  });
});

describe('startTwilioDouble', () => {
  let twilio: TwilioDouble;

  beforeAll(async () => {
    twilio = await startTwilioDouble();
  });
  afterAll(async () => {
    await twilio?.stop();
  });

  const sender = (overrides: Partial<ConstructorParameters<typeof TwilioSms>[0]> = {}) =>
    new TwilioSms({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      from: '+15005550006',
      apiUrl: twilio.url,
      ...overrides,
    });

  it('accepts a message with the right credentials and records it', async () => {
    await sender().send('+14155550100', '424242 is your code');
    const message = await twilio.nextMessage('+14155550100');
    expect(message).toMatchObject({
      accountSid: twilio.accountSid,
      to: '+14155550100',
      from: '+15005550006',
      body: '424242 is your code',
      authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`,
    });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it("answers like Twilio's Messages API", async () => {
    const response = await fetch(`${twilio.url}/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ To: '+14155550101', From: '+15005550006', Body: 'hello' }),
    });
    expect(response.status).toBe(201);
    const resource = (await response.json()) as { sid: string; uri: string };
    expect(resource).toMatchObject({
      account_sid: twilio.accountSid,
      api_version: '2010-04-01',
      to: '+14155550101',
      from: '+15005550006',
      body: 'hello',
      status: 'queued',
      direction: 'outbound-api',
      error_code: null,
    });
    expect(resource.uri).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Messages/${resource.sid}.json`);
  });

  it('refuses wrong credentials with 401 and records nothing', async () => {
    const before = twilio.messages.length;
    await expect(sender({ authToken: 'wrong' }).send('+14155550102', 'x')).rejects.toThrow(/401/);
    await expect(sender({ accountSid: `AC${'0'.repeat(32)}` }).send('+14155550102', 'x')).rejects.toThrow(
      /401/,
    );
    const response = await fetch(`${twilio.url}/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, {
      method: 'POST',
      body: new URLSearchParams({ To: '+14155550102', From: '+15005550006', Body: 'x' }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 20003, message: 'Authenticate', status: 401 });
    expect(twilio.messages.length).toBe(before);
    expect(twilio.refused.filter((r) => r.status === 401)).toHaveLength(3);
  });

  it('refuses a message without a body with 400', async () => {
    await expect(sender().send('+14155550103', '')).rejects.toThrow(/400.*21602/);
  });
});
