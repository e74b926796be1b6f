/**
 * Generated text on its way from the model to the host: pieces are joined
 * and sent at most every TEXT_INTERVAL_MS, so a small model making a
 * thousand tokens a second sends a few dozen IPC messages, not a thousand,
 * while a slow one still streams each token as soon as it is made (the first
 * piece after a quiet interval goes out at once).
 */
export const TEXT_INTERVAL_MS = 40;

export class TextCoalescer {
  private text = '';
  private tokens = 0;
  private last = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly send: (text: string, tokens: number) => void, private readonly now: () => number = Date.now) {}

  push(piece: string): void {
    this.text += piece;
    this.tokens++;
    const wait = this.last + TEXT_INTERVAL_MS - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tokens === 0) return;
    const { text, tokens } = this;
    this.text = '';
    this.tokens = 0;
    this.last = this.now();
    this.send(text, tokens);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
