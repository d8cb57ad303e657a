/** The child side of the bench's IPC: announce readiness, answer commands, stop with the parent. */

type Handler = (args: Record<string, unknown>) => unknown;

/**
 * Answers `{ id, command, args }` messages with the handler's result. Stops (running `onStop` once, then
 * exiting) on SIGTERM, SIGINT, or when the parent goes away.
 */
export function serveParent(
  handlers: Record<string, Handler>,
  onStop: () => Promise<void> = () => Promise.resolve(),
): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    onStop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`bench child ${process.pid}: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (message: { id: number; command: string; args: Record<string, unknown> }) => {
    const handler = handlers[message.command];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${message.command}`);
        return handler(message.args);
      })
      .then(
        (result) => process.send?.({ id: message.id, result }),
        (error: unknown) =>
          process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
      );
  });
}

export function announceReady(data: Record<string, unknown> = {}): void {
  process.send?.({ type: 'ready', data });
}

/** A required numeric argument of a command. */
export function num(args: Record<string, unknown>, name: string): number {
  const value = args[name];
  if (typeof value !== 'number') throw new Error(`${name} must be a number`);
  return value;
}

export function str(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string') throw new Error(`${name} must be a string`);
  return value;
}
