/**
 * `bitnet-lab` — the command-line face of the engine. Each command lives in
 * src/cli/commands/; this file only dispatches, wires Ctrl-C to an
 * AbortSignal and turns typed errors into one clean `error: …` line.
 */
import { writeSync } from 'node:fs';
import { isBitnetLabError } from '../core/errors.js';
import type { CliCommand, CliIo } from './command.js';
import { COMMANDS } from './commands/index.js';
import { VERSION } from '../core/version.js';

function usage(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `bitnet-lab ${VERSION} — what BitNet b1.58 ternary quantization does to your model, measured on your machine`,
    '',
    'usage: bitnet-lab <command> [options]     (bitnet-lab <command> --help for details)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage(COMMANDS));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`error: unknown command "${name}"\n\n${usage(COMMANDS)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (isBitnetLabError(e)) {
      io.stderr(`error: ${e.message}\n`);
      return e.code === 'cancelled' ? 130 : e.code === 'usage' ? 2 : 1;
    }
    // Anything else is our bug: say so, with the stack, so it can be reported.
    io.stderr(`internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 70;
  }
}

/** A 1 ms synchronous pause, for a non-blocking stdout that is full. */
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * stdout written synchronously, waiting for a slow reader. process.stdout on
 * a pipe queues what the reader has not taken yet in memory, so a 100 MB
 * report piped into a slow consumer held ~100 MB more than needed; here the
 * command waits instead. A reader that went away (`| head`) ends the program
 * quietly, as Unix tools do.
 */
function writeStdout(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(1, bytes, at, bytes.length - at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pauseCell, 0, 0, 1);
      else if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else throw e;
    }
  }
}

function run(): void {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ncancelling… (Ctrl-C again to quit at once)\n');
    controller.abort();
  });
  const io: CliIo = {
    stdout: (t) => writeStdout(t),
    stderr: (t) => process.stderr.write(t),
    interactive: Boolean(process.stderr.isTTY),
    signal: controller.signal,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`internal error: ${String(e)}\n`);
      process.exitCode = 70;
    },
  );
}

// Run only as the program, not when imported by tests.
if (typeof require !== 'undefined' && require.main === module) run();
