/**
 * Typed wrapper over the `acquireVsCodeApi()` global VS Code injects into
 * webviews. It may be called only once per page, so every part of a webview
 * goes through `getVsCodeApi()`. Outside VS Code (an exported HTML report,
 * a test page without the fake) it returns undefined and callers fall back
 * to their static mode.
 */
export interface VsCodeApi<State, Outgoing> {
  postMessage(message: Outgoing): void;
  getState(): State | undefined;
  setState(state: State): void;
}

interface RawVsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): unknown;
}

declare global {
  // Declared by VS Code in the webview's global scope; absent elsewhere.
  var acquireVsCodeApi: (() => RawVsCodeApi) | undefined;
}

let cached: RawVsCodeApi | undefined;

export function getVsCodeApi<State, Outgoing>(): VsCodeApi<State, Outgoing> | undefined {
  if (cached === undefined) {
    if (typeof globalThis.acquireVsCodeApi !== 'function') return undefined;
    cached = globalThis.acquireVsCodeApi();
  }
  const raw = cached;
  return {
    postMessage: (m) => raw.postMessage(m),
    getState: () => (raw.getState() ?? undefined) as State | undefined,
    setState: (s) => void raw.setState(s),
  };
}
