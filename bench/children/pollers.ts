import { LongPollers } from '../lib/long-poll';
import { announceReady, num, serveParent, str } from '../lib/parent';

/**
 * A client process holding a share of the long-polling consumers of G8, so that the consumers' sockets and
 * event loop are not the bench's (nor the server's).
 */
let pollers: LongPollers | null = null;

serveParent(
  {
    add: async (args) => {
      pollers ??= new LongPollers(num(args, 'port'), str(args, 'queue'), num(args, 'wait'));
      await pollers.add(num(args, 'count'));
      return { open: pollers.open };
    },
    stats: () => ({
      open: pollers?.open ?? 0,
      answers: pollers?.answers ?? 0,
      failures: pollers?.failures ?? 0,
      lastFailure: pollers?.lastFailure ?? null,
    }),
  },
  () => {
    pollers?.close();
    return Promise.resolve();
  },
);
announceReady();
