/**
 * Per-allocation guard for fuzz workers. Readers must validate every declared
 * size before allocating; a typed array or ArrayBuffer far larger than any
 * fuzz input (all are under a few MB) means a size from the file reached an
 * allocation unchecked. Linux hands out untouched zero pages lazily, so such
 * an allocation would not even show in RSS — hence checking the request, not
 * the process. Node's own internals use captured constructors and are not
 * affected; only code that looks the globals up (ours) is.
 */
const KINDS = [
  'ArrayBuffer', 'SharedArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint8ClampedArray', 'Uint16Array', 'Int16Array',
  'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
] as const;

const violations: string[] = [];

export function installAllocGuard(limitBytes: number): void {
  const g = globalThis as unknown as Record<string, unknown>;
  for (const kind of KINDS) {
    const ctor = g[kind] as (new (...args: unknown[]) => unknown) & { BYTES_PER_ELEMENT?: number };
    if (typeof ctor !== 'function') continue;
    const per = ctor.BYTES_PER_ELEMENT ?? 1;
    g[kind] = new Proxy(ctor, {
      construct(target, args, newTarget) {
        const n = args[0];
        if (typeof n === 'number' && n * per > limitBytes) {
          const what = `${kind}(${n}) = ${n * per} bytes, over the ${limitBytes}-byte per-allocation guard`;
          violations.push(`${what} @ ${(new Error().stack ?? '').split('\n').slice(2, 5).map((l) => l.trim()).join(' | ')}`);
          throw new RangeError(`fuzz allocation guard: ${what}`);
        }
        return Reflect.construct(target, args, newTarget === g[kind] ? target : newTarget);
      },
    });
  }
}

/** Violations since the last call (the reader may have wrapped the RangeError in its own error). */
export function takeViolations(): string[] {
  return violations.splice(0, violations.length);
}
