import type { Request } from 'express';
import { existingConsumer } from '../../domain/consumers';

/** The consumer id in the path, percent-decoded by Express (CrimsonQ's fiber kept `%xx` as it was). */
export function consumerParam(req: Request): string {
  return existingConsumer(String(req.params.consumerId));
}
