/**
 * Entry of the job process (bundled to dist/jobWorker.js, forked by the
 * extension host with IPC and structured-clone serialization). It owns tfjs
 * and every heavy engine call, so a native crash or an out-of-memory here
 * costs one job, never the editor.
 */
import type { JobToHost } from '../protocol/jobs.js';
import { engine } from './engine.js';
import { serveJobs } from './serve.js';

function send(message: JobToHost): void {
  process.send?.(message);
}

if (typeof process.send !== 'function') {
  process.stderr.write('jobWorker: must be started by the BitNet Lab extension (needs an IPC channel)\n');
  process.exit(2);
}

serveJobs({ send, onMessage: (listener) => process.on('message', listener) }, engine);

// The host went away (window closed, extension host crashed): nobody wants our results.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', pid: process.pid });
