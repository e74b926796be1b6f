/**
 * The Try it panel: one prompt, the FP and the ternary (or stored) model's
 * continuations streaming side by side, each with its tokens/s and where the
 * number comes from; Cancel stops both. The page holds only what the host
 * sent (TryEvent); the prompt draft and settings survive a reload through
 * the webview state.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { GenerateSettings, TryColumn, TryEvent, TryRequest, TryState } from '../../../src/protocol/models.js';
import { MAX_NEW_TOKENS } from '../../../src/protocol/models.js';
import { formatRate, MODE_LABELS, provenanceLine } from './modelLabels.js';

export interface TryDraft {
  prompt: string;
  settings: GenerateSettings;
}

const STATUS_LABEL: Record<TryColumn['status'], string> = { idle: 'idle', running: 'generating…', done: 'done', cancelled: 'cancelled', failed: 'failed' };

@customElement('bn-try-model')
export class TryView extends LitElement {
  @state() private tryState: TryState | undefined;
  @state() private draft: TryDraft = { prompt: '', settings: { maxTokens: 64, temperature: 0, topK: 40, seed: 1 } };
  @state() private invalid = '';
  /** Per column of the run shown: when its first text arrived and how many tokens it held then (the live rate's origin). */
  private firstText = new Map<string, { at: number; tokens: number }>();
  post: (m: TryRequest) => void = () => undefined;
  saveDraft: (d: TryDraft) => void = () => undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  restoreDraft(d: TryDraft | undefined): void {
    if (d) this.draft = d;
  }

  handle(e: TryEvent): void {
    const s = this.tryState;
    switch (e.type) {
      case 'state':
        if (e.state.runId !== s?.runId) this.firstText.clear();
        // A run started elsewhere (the command, a keybinding) shows its own prompt and settings in the form.
        if (s !== undefined && e.state.runId !== s.runId && e.state.prompt !== '') {
          this.draft = { prompt: e.state.prompt, settings: e.state.settings };
          this.saveDraft(this.draft);
        }
        this.tryState = e.state;
        // A fresh page takes the prompt of the run on show, unless the user was typing a new one.
        if (this.draft.prompt === '' && e.state.prompt !== '') this.draft = { prompt: e.state.prompt, settings: e.state.settings };
        break;
      case 'text':
        if (!s || e.runId !== s.runId) return;
        if (!this.firstText.has(e.mode)) this.firstText.set(e.mode, { at: performance.now(), tokens: s.columns.find((c) => c.mode === e.mode)?.tokens ?? 0 });
        this.tryState = { ...s, columns: s.columns.map((c) => (c.mode === e.mode ? { ...c, text: c.text + e.text, tokens: c.tokens + e.tokens } : c)) };
        break;
      case 'column':
        if (!s || e.runId !== s.runId) return;
        this.tryState = { ...s, columns: s.columns.map((c) => (c.mode === e.column.mode ? e.column : c)) };
        break;
    }
  }

  private get running(): boolean {
    return this.tryState?.columns.some((c) => c.status === 'running') ?? false;
  }

  private setDraft(d: { prompt?: string; settings?: Partial<GenerateSettings> }): void {
    this.draft = { prompt: d.prompt ?? this.draft.prompt, settings: { ...this.draft.settings, ...d.settings } };
    this.saveDraft(this.draft);
  }

  private generate(): void {
    const { prompt, settings } = this.draft;
    const problem = prompt.trim() === '' ? 'Type a prompt first.'
      : !(Number.isInteger(settings.maxTokens) && settings.maxTokens >= 1 && settings.maxTokens <= MAX_NEW_TOKENS) ? `New tokens must be a whole number from 1 to ${MAX_NEW_TOKENS}.`
      : !(settings.temperature >= 0 && settings.temperature <= 5) ? 'Temperature must be between 0 (greedy) and 5.'
      : !(Number.isInteger(settings.topK) && settings.topK >= 0) ? 'Top-k must be a whole number (0: no limit).'
      : !(Number.isInteger(settings.seed) && settings.seed >= 0) ? 'Seed must be a whole number.'
      : '';
    this.invalid = problem;
    if (problem === '') this.post({ type: 'generate', prompt, settings });
  }

  protected override render(): TemplateResult {
    const s = this.tryState;
    if (!s) return html`<p class="mq-note">Loading the checkpoint…</p>`;
    // A number field's step defaults to 1, which marks 0.8 invalid (red): temperature takes hundredths.
    const num = (key: keyof GenerateSettings, label: string, title: string, step = 1): TemplateResult => html`<label title=${title}>${label}
      <vscode-textfield id=${`try-${key}`} type="number" .step=${step} .value=${String(this.draft.settings[key])}
        @input=${(e: Event) => this.setDraft({ settings: { [key]: Number((e.target as HTMLInputElement).value) } as Partial<GenerateSettings> })}></vscode-textfield></label>`;
    return html`
      <h1 class="try-title">Try it: ${s.fileName}</h1>
      <p class="mq-note">The same prompt through the model at full precision and ${s.columns[1]?.mode === 'stored' ? 'with its stored ternary weights' : 'quantized to BitNet b1.58 (ternary weights, int8 activations)'}, side by side. Both run at once in the job process and share its CPU; each tokens/s counts that model's own tokens over its own wall time.</p>
      <vscode-textarea id="try-prompt" class="try-prompt" rows="4" placeholder="Prompt" .value=${this.draft.prompt}
        @input=${(e: Event) => this.setDraft({ prompt: (e.target as HTMLTextAreaElement).value })}></vscode-textarea>
      <div class="try-settings">
        ${num('maxTokens', 'new tokens', `1 to ${MAX_NEW_TOKENS}`)}
        ${num('temperature', 'temperature', '0 is greedy (the same text every time)', 0.01)}
        ${num('topK', 'top-k', 'sample among the k most likely tokens (0: all)')}
        ${num('seed', 'seed', 'sampling seed (both models use the same)')}
        ${this.running
          ? html`<vscode-button id="try-cancel" secondary @click=${() => this.post({ type: 'cancel' })}>Cancel</vscode-button>`
          : html`<vscode-button id="try-generate" @click=${() => this.generate()}>Generate</vscode-button>`}
      </div>
      ${this.invalid ? html`<p class="mq-error" id="try-invalid" role="alert">${this.invalid}</p>` : nothing}
      <div class="try-columns">${s.columns.map((c) => this.renderColumn(c, s))}</div>`;
  }

  /**
   * Tokens/s while streaming, from this page's clock: tokens since the first
   * text arrived over the time since (model loading and the prompt are not in
   * it). The host's figure replaces it when the column is done.
   */
  private liveRate(c: TryColumn): string {
    const f = this.firstText.get(c.mode);
    if (!f) return '';
    const seconds = (performance.now() - f.at) / 1000;
    const tokens = c.tokens - f.tokens;
    return seconds > 0.2 && tokens > 0 ? ` · ${formatRate(tokens / seconds)} tokens/s` : '';
  }

  private renderColumn(c: TryColumn, s: TryState): TemplateResult {
    const r = c.result;
    return html`<section class="try-column" id=${`try-col-${c.mode}`} data-status=${c.status} aria-label=${MODE_LABELS[c.mode]}>
      <h2>${MODE_LABELS[c.mode]} <span class="try-status">${STATUS_LABEL[c.status]}</span></h2>
      <pre class="try-text" aria-live="polite">${s.runId > 0 ? html`<span class="try-prompt-echo">${s.prompt}</span>` : nothing}<span class="try-out">${c.text}</span></pre>
      <div class="try-stats">
        ${r
          ? html`<span class="try-rate">${formatRate(r.tokensPerSecond)} tokens/s</span> · ${r.generatedTokens} new tokens · prompt ${r.promptTokens} tokens`
          : c.status === 'running'
            ? html`${c.tokens} ${c.tokens === 1 ? 'token' : 'tokens'} so far${this.liveRate(c)}`
            : nothing}
      </div>
      ${c.message ? html`<p class=${c.status === 'failed' ? 'mq-error' : 'mq-note'}>${c.message}</p>` : nothing}
      ${r ? html`<p class="mq-prov">${provenanceLine(r.provenance)}</p>` : nothing}
    </section>`;
  }
}
