/** Shared setup of the Chromium webview tests: build bundles, serve the repo, launch Debian's chromium. */
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildWebviewBundles, ROOT } from './buildWebview.js';
import { startServer } from './server.js';

export const RESULTS = join(ROOT, 'test-results');

export interface WebviewEnv {
  browser: Browser;
  url: string;
  close: () => Promise<void>;
}

export async function startWebviewEnv(): Promise<WebviewEnv> {
  await buildWebviewBundles();
  mkdirSync(RESULTS, { recursive: true });
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    url: server.url,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Collects console errors and warnings and uncaught exceptions, which every test expects to be none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Number of canvas pixels that differ from fully transparent: > 0 means something was drawn. */
export async function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0) return 0;
    const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
    return n;
  });
}

/** Names of the rows currently in the DOM, top to bottom. */
export async function renderedNames(page: Page): Promise<string[]> {
  return page.$$eval('.bn-row', (rows) => rows.map((r) => (r as HTMLElement).dataset['name'] ?? ''));
}
