import type { Response } from 'supertest';

/**
 * Asserts that a real response matches openapi.yaml: the operation (method + path template) exists, the status
 * is documented for it, and the JSON body validates against the documented schema.
 * STUB: filled in together with openapi.yaml; until then it only checks the Content-Type.
 */
export function expectMatchesSpec(res: Response): void {
  expect(res.headers['content-type']).toBe('application/json');
}
