// Bounded waits: every wait on another process (a database, Redis, a subgraph) has an end.

/** A wait that ran out: `ms` passed before the work settled. */
export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/**
 * Resolves or rejects as `work` does, or rejects with DeadlineError after `ms` milliseconds,
 * whichever comes first. The work itself is not cancelled; its late result is ignored.
 */
export async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineError(ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
