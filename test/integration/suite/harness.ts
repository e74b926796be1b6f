/**
 * A tiny test runner for the extension host (no mocha: the same bundle runs
 * under code-server and @vscode/test-electron). Results go to a JSON file
 * the launcher polls; screenshots are requested through stage files.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SuiteConfig } from '../workspace.js';

export interface TestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
  notes?: string[];
}

export interface SuiteResult {
  done: true;
  passed: number;
  failed: number;
  results: TestResult[];
  /** Measurements worth quoting (time to first rows …). */
  figures: Record<string, number>;
}

export type TestFn = (ctx: TestContext) => Promise<void>;

export interface TestContext {
  cfg: SuiteConfig;
  note(text: string): void;
  figure(name: string, value: number): void;
  /** Ask the launcher for a screenshot named test-results/vscode-<name>.png and wait for it (skipped without one). */
  screenshot(name: string): Promise<void>;
  /**
   * Read or act inside the webviews as the user sees them (the launcher
   * searches every frame of the page). Undefined when the launcher drives no
   * page (@vscode/test-electron route).
   */
  webview(query: WebviewQuery): Promise<string[] | undefined>;
}

export interface WebviewQuery {
  selector: string;
  /**
   * 'text': textContent of every match; 'attr': attribute `value` of every
   * match; 'pixels': painted (non-transparent) pixel count of every matching
   * canvas; 'click' / 'fill': the first match; 'hover': move the mouse over
   * the first match, at fractions `at` of its box (default the centre).
   */
  action: 'text' | 'attr' | 'pixels' | 'click' | 'fill' | 'hover';
  value?: string;
  at?: [number, number];
  /** Only frames that also contain this selector (tells webviews apart). */
  within?: string;
  /** … and whose `within` element's text includes this (tells two inspectors apart by file name). */
  withinText?: string;
}

/** The launcher's answer to a webview query. */
export interface WebviewAnswer {
  texts: string[];
  error?: string;
}

export function loadConfig(): SuiteConfig {
  return JSON.parse(readFileSync(join(__dirname, 'config.json'), 'utf8')) as SuiteConfig;
}

export async function runTests(cfg: SuiteConfig, tests: Array<[string, TestFn]>): Promise<SuiteResult> {
  const results: TestResult[] = [];
  const figures: Record<string, number> = {};
  // BITNET_LAB_IT_ONLY (through the config): run only the tests whose name contains it, for a quick local loop.
  for (const [name, fn] of cfg.only ? tests.filter(([n]) => n.includes(cfg.only!)) : tests) {
    const notes: string[] = [];
    const t0 = Date.now();
    const ctx: TestContext = {
      cfg,
      note: (t) => notes.push(t),
      figure: (n, v) => {
        figures[n] = v;
      },
      screenshot: (shot) => requestScreenshot(cfg, shot),
      webview: (q) => queryWebview(cfg, q),
    };
    try {
      await withTimeout(fn(ctx), 90_000, name);
      results.push({ name, ok: true, ms: Date.now() - t0, notes });
    } catch (e) {
      results.push({ name, ok: false, ms: Date.now() - t0, error: e instanceof Error ? (e.stack ?? e.message) : String(e), notes });
    }
  }
  const out: SuiteResult = { done: true, passed: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, results, figures };
  const tmp = `${cfg.resultFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(out, null, 2));
  renameSync(tmp, cfg.resultFile);
  return out;
}

async function requestScreenshot(cfg: SuiteConfig, name: string): Promise<void> {
  if (!cfg.screenshots) return;
  const done = join(cfg.stageDir, `${name}.done`);
  writeFileSync(join(cfg.stageDir, `${name}.request`), String(Date.now()));
  await waitFor(() => existsSync(done), 30_000, `screenshot ${name}`);
}

let queries = 0;

async function queryWebview(cfg: SuiteConfig, q: WebviewQuery): Promise<string[] | undefined> {
  if (!cfg.screenshots) return undefined;
  const name = `q${++queries}`;
  const answer = join(cfg.stageDir, `${name}.answer`);
  writeFileSync(join(cfg.stageDir, `${name}.query`), JSON.stringify(q));
  await waitFor(() => existsSync(answer), 30_000, `webview query ${q.action} ${q.selector}`);
  const a = JSON.parse(readFileSync(answer, 'utf8')) as WebviewAnswer;
  if (a.error !== undefined) throw new Error(`webview ${q.action} ${q.selector}: ${a.error}`);
  return a.texts;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new Error(`assertion failed: ${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
