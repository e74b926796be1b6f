// Writes the committed fixture reports (see makeReport.ts for how to run this).
import { writeFileSync } from 'node:fs';
import { makeFixtureReport } from './makeReport.js';

writeFileSync('test/fixtures/reports/llama-30l.json', `${JSON.stringify(makeFixtureReport())}\n`);
console.log('wrote test/fixtures/reports/llama-30l.json');
