/** What test/webview/harness/harness.js adds to a page: the messages it posted and a way to send it one. */
interface HarnessMessage {
  type: string;
  [key: string]: unknown;
}

interface Window {
  __posted: HarnessMessage[];
  __send(message: unknown): void;
  __setTheme(theme: 'light' | 'dark'): void;
  __harnessReport?: unknown;
}
