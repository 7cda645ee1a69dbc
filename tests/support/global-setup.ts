// Starts one product stack for all end-to-end test files and tears it down after them.
import type { TestProject } from 'vitest/node';
import { startStack, type StackInfo } from './stack.ts';

/** Enough enterprises for a full 500-code portfolio check. */
export const E2E_ENTERPRISES = 600;

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

export default async function setup(project: TestProject) {
  const stack = await startStack(E2E_ENTERPRISES);
  project.provide('stack', { gatewayUrl: stack.gatewayUrl, subgraphUrls: stack.subgraphUrls, metricsUrls: stack.metricsUrls, enterprises: stack.enterprises, transport: stack.transport });
  return () => stack.stop();
}
