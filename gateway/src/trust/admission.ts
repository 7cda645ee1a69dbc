// Admission: how much work one gateway process holds at once. The limits (limits.ts) bound one
// operation's cost, the estimated number of field values it resolves; admission bounds the sum
// over the operations in flight, so that concurrent portfolios cannot together exhaust the
// process's heap. Without it, `npm start`'s in-process server (the gateway and six subgraphs
// under one 192 MB heap cap) ran out of heap and crashed under 16 concurrent portfolios of 500,
// and a production replica (192 MB cap) peaked at 321 MB RSS (bench/README.md, session 8).
//
// An operation is admitted at once while the costs in flight plus its own stay within the
// budget, or when nothing is in flight (so that one operation within the limits always runs).
// Otherwise it waits, first come first served (a large operation at the head is not overtaken
// by small ones, so it cannot starve), at most `maxWaitMs`; then it is refused with OVERLOADED
// (HTTP 503, Retry-After), as load shedding should: a bounded wait, a clear code, no crash.
// The queue is bounded too (`maxQueue`): each waiter holds its request on the heap, so past it
// an operation is refused at once. A refused or finished operation gives its cost back when
// its answer is sent. The settings: ADMISSION_MAX_COST_IN_FLIGHT, ADMISSION_MAX_WAIT_MS,
// ADMISSION_MAX_QUEUE (config.ts).
import type { ApolloServerPlugin, BaseContext, GraphQLRequest } from '@apollo/server';
import { creditGraphError } from '@credit-graph/contract';
import { ConfigError, DEFAULT_ADMISSION_MAX_COST_IN_FLIGHT, DEFAULT_ADMISSION_MAX_QUEUE, DEFAULT_ADMISSION_MAX_WAIT_MS } from '../config.ts';

export interface AdmissionOptions {
  /** The sum of the costs in flight that admits no more (an operation alone is always admitted). */
  maxCostInFlight?: number;
  /** The longest wait for admission, in ms. */
  maxWaitMs?: number;
  /** The most operations waiting at once; the next is refused at once. */
  maxQueue?: number;
  /** The measured cost of a request's operation (limits.ts), or undefined when it was not measured. */
  costOf: (request: GraphQLRequest) => number | undefined;
}

export interface Admission {
  /** For ApolloServer's `plugins`, after the limits plugin (which measures the cost). */
  plugin: ApolloServerPlugin<BaseContext>;
  /** What is in flight and waiting now (metrics, tests). */
  state(): { costInFlight: number; operationsInFlight: number; waiting: number };
  /** The budget in force: the sum of the costs in flight that admits no more. */
  maxCostInFlight: number;
}

interface Waiter {
  cost: number;
  admit: () => void;
}

/**
 * The admission plugin and its state. Throws ConfigError on a budget that is not a positive
 * integer, or a wait or queue bound that is not a non-negative integer.
 */
export function createAdmission(options: AdmissionOptions): Admission {
  const budget = options.maxCostInFlight ?? DEFAULT_ADMISSION_MAX_COST_IN_FLIGHT;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_ADMISSION_MAX_WAIT_MS;
  const maxQueue = options.maxQueue ?? DEFAULT_ADMISSION_MAX_QUEUE;
  if (!Number.isSafeInteger(budget) || budget < 1) throw new ConfigError(`admission maxCostInFlight must be a positive integer, got ${budget}`);
  if (!Number.isSafeInteger(maxWaitMs) || maxWaitMs < 0) throw new ConfigError(`admission maxWaitMs must be a non-negative integer, got ${maxWaitMs}`);
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 0) throw new ConfigError(`admission maxQueue must be a non-negative integer, got ${maxQueue}`);
  let costInFlight = 0;
  let operationsInFlight = 0;
  const queue: Waiter[] = [];

  const fits = (cost: number) => operationsInFlight === 0 || costInFlight + cost <= budget;
  const take = (cost: number) => {
    costInFlight += cost;
    operationsInFlight += 1;
  };
  /** Admits waiters from the head of the queue while they fit. */
  const drain = () => {
    while (queue.length > 0 && fits(queue[0]!.cost)) {
      const next = queue.shift()!;
      take(next.cost);
      next.admit();
    }
  };

  const overloaded = (cost: number, waited: string) =>
    creditGraphError('OVERLOADED', `The gateway is at its limit of work in flight (cost ${costInFlight} of ${budget}); this operation (cost ${cost}) ${waited}. Retry in a few seconds, or send smaller portfolios`, {
      retryAfterSeconds: Math.max(1, Math.ceil(maxWaitMs / 1000)),
    });

  /**
   * Resolves once `cost` (finite, non-negative) is taken from the budget; rejects with
   * OVERLOADED at once when the queue is full, or after maxWaitMs.
   */
  function acquire(cost: number): Promise<void> {
    if (queue.length === 0 && fits(cost)) {
      take(cost);
      return Promise.resolve();
    }
    if (queue.length >= maxQueue) return Promise.reject(overloaded(cost, `found ${queue.length} operations already waiting`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(waiter), 1);
        // The head may have been the one holding the others back.
        drain();
        reject(overloaded(cost, `waited ${maxWaitMs} ms`));
      }, maxWaitMs);
      const waiter: Waiter = {
        cost,
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      queue.push(waiter);
    });
  }

  function release(cost: number): void {
    costInFlight -= cost;
    operationsInFlight -= 1;
    drain();
  }

  return {
    state: () => ({ costInFlight, operationsInFlight, waiting: queue.length }),
    maxCostInFlight: budget,
    plugin: {
      async requestDidStart() {
        // The cost this request holds; given back once, when its answer is sent. An admission
        // that comes after the answer was sent (the request ended while it waited) is given back
        // at once.
        let held: number | undefined;
        let answered = false;
        const giveBack = () => {
          if (held === undefined) return;
          const cost = held;
          held = undefined;
          release(cost);
        };
        return {
          async didResolveOperation({ request }) {
            const measured = options.costOf(request);
            if (measured === undefined) return;
            // A cost that is not a finite non-negative number would poison the sums (NaN stays
            // NaN): it counts as the whole budget.
            const cost = Number.isFinite(measured) && measured >= 0 ? measured : budget;
            await acquire(cost);
            held = cost;
            if (answered) giveBack();
          },
          async willSendResponse() {
            answered = true;
            giveBack();
          },
        };
      },
    },
  };
}
