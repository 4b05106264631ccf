/** Sends text messages. */
export interface SmsSender {
  send(to: string, body: string): Promise<void>;
}

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  from: string;
  /** The API's base URL; tests point it at a local server speaking Twilio's Messages API. */
  apiUrl: string;
}

/** Twilio's Messages API: one form-encoded POST per message, basic auth with the account SID. */
export class TwilioSms implements SmsSender {
  constructor(private readonly config: TwilioConfig) {}

  async send(to: string, body: string): Promise<void> {
    const { accountSid, authToken, from, apiUrl } = this.config;
    const response = await fetch(
      `${apiUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ To: to, From: from, Body: body }),
        signal: AbortSignal.timeout(10_000),
      },
    );
    if (!response.ok) {
      const detail = await response.text().catch(() => '');
      throw new Error(`Twilio answered ${response.status}: ${detail.slice(0, 200)}`);
    }
  }
}

export class LogSms implements SmsSender {
  constructor(private readonly log: (message: string) => void) {}

  async send(to: string, body: string): Promise<void> {
    this.log(`text message to ${to}: ${body}`);
  }
}
