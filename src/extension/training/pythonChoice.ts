/**
 * Which Python interpreter the torchrun engine uses, in order: the
 * `bitnetLab.pythonPath` setting when the user set one; the interpreter
 * selected in the Python extension (ms-python.python) when it is installed;
 * /usr/bin/python3 when it exists (Debian's python3-torch lives there, while
 * a `python3` earlier on PATH may be a venv without torch); else `python3`.
 * No 'vscode' import: the extension side only gathers the inputs.
 */
export type PythonSource = 'setting' | 'python extension' | 'system' | 'PATH';

export interface PythonChoice {
  path: string;
  source: PythonSource;
}

export const SYSTEM_PYTHON = '/usr/bin/python3';

export function choosePython(setting: string | undefined, fromExtension: string | undefined, exists: (path: string) => boolean): PythonChoice {
  if (setting !== undefined && setting.trim() !== '') return { path: setting.trim(), source: 'setting' };
  if (fromExtension !== undefined && fromExtension !== '') return { path: fromExtension, source: 'python extension' };
  if (exists(SYSTEM_PYTHON)) return { path: SYSTEM_PYTHON, source: 'system' };
  return { path: 'python3', source: 'PATH' };
}
