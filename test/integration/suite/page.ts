/**
 * Reading the webviews as the user sees them (the launcher looks through
 * the page's frames with Playwright). Each helper resolves to undefined when
 * no page is driven (the @vscode/test-electron route); the caller then notes
 * that the page was not read.
 */
import { waitFor, type TestContext } from './harness.js';
import type { WebviewQuery } from './harness.js';

/** Wait until the query's answer satisfies `ok`; the answer, or undefined without a page. */
export async function untilSeen(ctx: TestContext, q: WebviewQuery, ok: (answer: string[]) => boolean, what: string, timeoutMs = 20_000): Promise<string[] | undefined> {
  let last: string[] = [];
  let noPage = false;
  const got = await waitFor(async () => {
    const a = await ctx.webview(q);
    if (a === undefined) {
      noPage = true;
      return [] as string[];
    }
    last = a;
    return ok(a) ? a : undefined;
  }, timeoutMs, `${what} (last seen: ${JSON.stringify(last).slice(0, 300)})`);
  return noPage ? undefined : got;
}

/** Wait until the first match's text satisfies `ok`; that text, or undefined without a page. */
export async function untilText(ctx: TestContext, selector: string, scope: Pick<WebviewQuery, 'within' | 'withinText'>, ok: (text: string) => boolean, what: string, timeoutMs = 20_000): Promise<string | undefined> {
  const a = await untilSeen(ctx, { selector, action: 'text', ...scope }, (t) => t.length > 0 && ok(t[0]!), what, timeoutMs);
  return a?.[0];
}

/** Wait until every matching canvas has painted more than `min` pixels; their counts, or undefined without a page. */
export async function untilPainted(ctx: TestContext, selector: string, scope: Pick<WebviewQuery, 'within' | 'withinText'>, min: number, what: string): Promise<number[] | undefined> {
  const a = await untilSeen(ctx, { selector, action: 'pixels', ...scope }, (t) => t.length > 0 && t.every((n) => Number(n) > min), `${what}: every canvas painted`);
  return a?.map(Number);
}
