// Starts a worker thread's TypeScript entry when the appliance runs from its sources (tests, the
// bench driver, `node --import tsx`): a thread does not inherit the loader, so it registers tsx itself.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);
