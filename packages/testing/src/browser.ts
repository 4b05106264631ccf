import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), headless, as CI installs it. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A headless Chromium for end-to-end tests; no network beyond loopback is ever needed. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}
