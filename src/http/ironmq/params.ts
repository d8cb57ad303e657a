import type { Request } from 'express';

/** Path parameters of the IronMQ routes, already percent-decoded by Express. */
export function projectOf(req: Request): string {
  return String(req.params.projectId);
}

export function queueOf(req: Request): string {
  return String(req.params.queue);
}

export function messageIdOf(req: Request): string {
  return String(req.params.messageId);
}

/** The JSON body as parsed by jsonBody and rewritten by the validation sanitizers. */
export function bodyOf<T>(req: Request): Partial<T> {
  return req.body as Partial<T>;
}
