/** Where the CLI writes. */
export interface CliStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * A one-line progress bar on a terminal (`label [#####.....] 45% 450/1000`), redrawn at most ten
 * times a second. Disabled (silent) when the stream is not a terminal, unless forced.
 */
export class ProgressBar {
  readonly #stream: CliStream;
  readonly #enabled: boolean;
  #label = '';
  #lastDraw = 0;
  #drawn = false;
  #lastLength = 0;

  constructor(stream: CliStream, enabled: boolean) {
    this.#stream = stream;
    this.#enabled = enabled;
  }

  /** Shows `done` of `total` with a label. */
  update(label: string, done: number, total: number): void {
    if (!this.#enabled) return;
    const now = Date.now();
    const final = total > 0 && done >= total;
    if (label === this.#label && !final && now - this.#lastDraw < 100) return;
    if (label !== this.#label && this.#drawn) this.#newline();
    this.#label = label;
    this.#lastDraw = now;
    const width = 24;
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const text = `${label} [${bar}] ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${total}`;
    const pad = this.#lastLength > text.length ? ' '.repeat(this.#lastLength - text.length) : '';
    this.#stream.write(`\r${text}${pad}`);
    this.#lastLength = text.length;
    this.#drawn = true;
  }

  /** Ends the current line. */
  finish(): void {
    if (this.#drawn) this.#newline();
  }

  #newline(): void {
    this.#stream.write('\n');
    this.#drawn = false;
    this.#lastLength = 0;
  }
}
