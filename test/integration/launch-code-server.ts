/**
 * Runs the integration suite in a real VS Code — the server build shipped
 * as code-server — driven headless by Debian's Chromium (recipe:
 * docs/vscode-and-tfjs.md §2). The suite runs in the Node extension host;
 * this launcher only opens the page, answers screenshot requests and waits
 * for the result file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { bundleSuite, checkBuilt, OUT_DIR } from './bundleSuite.js';
import type { SuiteResult, WebviewAnswer, WebviewQuery } from './suite/harness.js';
import { createWorkspace, REPO, type RealModelConfig } from './workspace.js';
import { hfModelsRoot, torchAvailable } from '../peers/torchModels.js';

export const DEFAULT_CODE_SERVER = join(
  process.env.BITNET_LAB_CODE_SERVER_DIR ?? join(homedir(), '.cache', 'bitnet-lab', 'code-server'),
  'node_modules',
  '.bin',
  'code-server',
);
const CHROMIUM = process.env.BITNET_LAB_CHROMIUM ?? '/usr/bin/chromium';

export interface CodeServerRunOptions {
  codeServer?: string;
  screenshotDir?: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}

export function findCodeServer(explicit?: string): string {
  const bin = explicit ?? process.env.BITNET_LAB_CODE_SERVER ?? DEFAULT_CODE_SERVER;
  if (!existsSync(bin)) {
    throw new Error(`code-server is not installed (looked for ${bin}). Install it once with scripts/install-code-server.sh (takes a few minutes; cached afterwards).`);
  }
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, server: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (server.exitCode !== null) throw new Error(`code-server exited early with code ${server.exitCode}`);
    try {
      const r = await fetch(url, { redirect: 'manual' });
      if (r.status < 500) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs} ms`);
}

/**
 * Webviews are iframes (an outer host frame, the page in an inner one): look
 * through every frame for the selector, as a user's eye would find it.
 */
async function answerWebviewQuery(page: Page, q: WebviewQuery): Promise<WebviewAnswer> {
  try {
    for (const frame of page.frames()) {
      if (q.within !== undefined) {
        const scope = await frame.$(q.within).catch(() => null);
        if (scope === null) continue;
        if (q.withinText !== undefined && !((await scope.textContent().catch(() => '')) ?? '').includes(q.withinText)) continue;
      }
      const handles = await frame.$$(q.selector).catch(() => []);
      if (handles.length === 0) continue;
      if (q.action === 'click') await handles[0]!.click();
      else if (q.action === 'fill') await handles[0]!.fill(q.value ?? '');
      else if (q.action === 'hover') {
        const box = await handles[0]!.boundingBox();
        if (!box) return { texts: [], error: 'not on screen' };
        await handles[0]!.hover({ position: { x: box.width * (q.at?.[0] ?? 0.5), y: box.height * (q.at?.[1] ?? 0.5) } });
      } else if (q.action === 'attr') return { texts: await Promise.all(handles.map(async (h) => (await h.getAttribute(q.value ?? '')) ?? '')) };
      else if (q.action === 'pixels') return { texts: await Promise.all(handles.map(async (h) => String(await h.evaluate(paintedPixels)))) };
      else return { texts: await Promise.all(handles.map(async (h) => (await h.textContent()) ?? '')) };
      return { texts: [] };
    }
    // Reading finds nothing yet (the suite polls until it does); acting on nothing is an error.
    const reads = q.action === 'text' || q.action === 'attr' || q.action === 'pixels';
    return reads ? { texts: [] } : { texts: [], error: 'no frame shows it' };
  } catch (e) {
    return { texts: [], error: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
}

/**
 * Run `bitnet-lab eval --json` and `bitnet-lab generate --mode fp --json` on
 * the real-model inputs and write each result atomically where the suite
 * waits for it. A failing CLI writes {"error": …}, so the test fails plainly.
 */
async function expectFromCli(m: RealModelConfig, log: (line: string) => void): Promise<void> {
  const cli = join(REPO, 'dist', 'cli.js');
  const runCli = (args: string[], out: string): Promise<void> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      child.on('close', (code) => {
        let body = stdout;
        try {
          JSON.parse(stdout);
        } catch {
          body = JSON.stringify({ error: `bitnet-lab ${args[0]} exited ${code}: ${stdout.slice(0, 300)}` });
        }
        writeFileSync(`${out}.tmp`, body);
        renameSync(`${out}.tmp`, out);
        log(`expected values: bitnet-lab ${args[0]} → ${out}`);
        resolve();
      });
    });
  await runCli(['eval', m.checkpoint, '--data', m.textFile, '--context', String(m.context), '--json'], m.expectedEval);
  await runCli(['generate', m.checkpoint, '--prompt', m.prompt, '--max-tokens', String(m.maxTokens), '--temperature', '0', '--mode', 'fp', '--json'], m.expectedFpGenerate);
}

/** Canvas pixels that are not fully transparent (runs in the page): > 0 means the chart drew something. */
function paintedPixels(el: Element): number {
  const canvas = el as HTMLCanvasElement;
  const ctx = canvas.getContext?.('2d');
  if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
  const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
  return n;
}

export async function runInCodeServer(options: CodeServerRunOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? (() => {});
  const bin = findCodeServer(options.codeServer);
  checkBuilt();
  const screenshotDir = options.screenshotDir ?? join(REPO, 'test-results');
  mkdirSync(screenshotDir, { recursive: true });
  rmSync(OUT_DIR, { recursive: true, force: true });
  // The real-model tests need PyTorch's fixture (built once, cached); torchAvailable throws on CI without it.
  const hf = torchAvailable() ? join(await hfModelsRoot(), 'llama') : undefined;
  const cfg = createWorkspace(OUT_DIR, true, hf);
  const suite = await bundleSuite(cfg);
  // What the CLI computes on the same inputs, worked out while VS Code starts and the other tests run.
  const expected = cfg.realModel ? expectFromCli(cfg.realModel, log) : Promise.resolve();

  const userData = join(cfg.workspace, '.vscode-user');
  const extensionsDir = join(cfg.workspace, '.vscode-extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // Trust prompts, welcome pages and tips would cover what the screenshots should show.
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'workbench.colorTheme': 'Default Dark Modern',
      'window.zoomLevel': 0,
    }),
  );

  const port = await freePort();
  const serverLog = createWriteStream(join(OUT_DIR, 'code-server.log'));
  const server = spawn(
    bin,
    ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userData, '--extensions-dir', extensionsDir, cfg.workspace],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env } },
  );
  server.stdout?.pipe(serverLog);
  server.stderr?.pipe(serverLog);
  log(`code-server pid ${server.pid} on port ${port}`);

  let browser: Browser | undefined;
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, 60_000, server);
    const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(REPO)],
      ['extensionTestsPath', remote(suite)],
    ]);
    const url = `${base}/?folder=${encodeURIComponent(cfg.workspace)}&payload=${encodeURIComponent(payload)}`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const consoleLog = createWriteStream(join(OUT_DIR, 'browser-console.log'));
    page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
    await page.goto(url);
    log(`opened ${url.slice(0, 80)}…`);

    const end = Date.now() + (options.timeoutMs ?? 300_000);
    const answered = new Set<string>();
    while (Date.now() < end) {
      for (const f of readdirSync(cfg.stageDir)) {
        if (f.endsWith('.query') && !answered.has(f)) {
          answered.add(f);
          const q = JSON.parse(readFileSync(join(cfg.stageDir, f), 'utf8')) as WebviewQuery;
          const a = await answerWebviewQuery(page, q);
          const name = f.slice(0, -'.query'.length);
          writeFileSync(join(cfg.stageDir, `${name}.answer.tmp`), JSON.stringify(a));
          renameSync(join(cfg.stageDir, `${name}.answer.tmp`), join(cfg.stageDir, `${name}.answer`));
          continue;
        }
        if (!f.endsWith('.request') || answered.has(f)) continue;
        const name = f.slice(0, -'.request'.length);
        const file = join(screenshotDir, `vscode-${name}.png`);
        await page.screenshot({ path: file });
        log(`screenshot ${file}`);
        answered.add(f);
        writeFileSync(join(cfg.stageDir, `${name}.done`), file);
      }
      if (existsSync(cfg.resultFile)) {
        await expected;
        const result = JSON.parse(readFileSync(cfg.resultFile, 'utf8')) as SuiteResult;
        await page.screenshot({ path: join(screenshotDir, 'vscode-final.png') });
        return result;
      }
      if (server.exitCode !== null) throw new Error(`code-server exited with code ${server.exitCode} (see ${join(OUT_DIR, 'code-server.log')})`);
      await new Promise((r) => setTimeout(r, 150));
    }
    await page.screenshot({ path: join(screenshotDir, 'vscode-timeout.png') });
    throw new Error(`the suite wrote no result within the time limit (see ${OUT_DIR}/code-server.log, browser-console.log, test-results/vscode-timeout.png)`);
  } finally {
    await browser?.close().catch(() => {});
    if (server.pid !== undefined && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM'); // the server and the extension host it spawned
      } catch {
        server.kill('SIGTERM');
      }
    }
    rmSync(cfg.workspace, { recursive: true, force: true });
  }
}
