import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { TestDesk } from './desk.ts';

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** `false`, or why the browser tests skip (for node:test's `skip` option). */
export const skipWithoutChromium: false | string = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`;

/** The screens the console is checked on: a 390 px phone, and the desktop openBrowser starts with. */
export const SCREENS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };

/** Screenshots kept as test artifacts (the folder is git-ignored). */
export const ARTIFACTS = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts');

// Headless, no sandbox (CI runs as root), and nothing reaching for Google's hosts.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Dialogs (alert, confirm) any page opened: customer text must never open one. */
  dialogs: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh profile of its own in a temporary directory. */
export async function openBrowser(): Promise<BrowserSession> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'rd-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(15_000);
  const dialogs: string[] = [];
  context.on('page', (p) => p.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss())));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
  return {
    context,
    page,
    dialogs,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The desk's app on a real HTTP server on a free port of 127.0.0.1. */
export async function serve(desk: TestDesk): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(desk.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections(); // the queue page's live stream stays open otherwise
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Saves a full-page screenshot under test-artifacts/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Signs in through the console's form, as a person would. */
export async function signInThroughForm(page: Page, base: string, email: string, password: string) {
  await page.goto(`${base}/desk/sign-in`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/desk`);
}
