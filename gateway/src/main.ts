// Runs the gateway as a process (see process.ts). Importing this module starts it:
// `tsx gateway/src/main.ts`, `credit-graph gateway` (which imports it), bench's bundles.
import { runGatewayProcess } from './process.ts';

await runGatewayProcess();
