/**
 * The shape of one `bitnet-lab <command>`. Each command lives in its own file
 * under src/cli/commands/ and is registered in src/cli/main.ts.
 */
export interface CliIo {
  /** Human output and --json output go here. */
  stdout: (text: string) => void;
  /** Progress bars and warnings go here, so stdout stays machine-readable. */
  stderr: (text: string) => void;
  /** True when stderr is a TTY (draw a live bar) — false in CI/pipes (print sparse lines). */
  interactive: boolean;
  /** Fires on Ctrl-C. */
  signal: AbortSignal;
}

export interface CliCommand {
  name: string;
  /** One line for `bitnet-lab --help`. */
  summary: string;
  /** Full usage text for `bitnet-lab <name> --help`. */
  usage: string;
  /** Resolves to the process exit code. Throw BitnetLabError for bad input: main prints `error: <message>`. */
  run(argv: string[], io: CliIo): Promise<number>;
}
