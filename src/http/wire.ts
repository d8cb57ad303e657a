/** IronMQ wire strings, as the official clients compare or display them (spec §3, §7). */
export const MSG = {
  messagesPosted: 'Messages put on queue.',
  deleted: 'Deleted',
  cleared: 'Cleared',
  touched: 'Touched',
  released: 'Released',
  updated: 'Updated',
  invalidJson: 'Request body is not valid JSON',
  notAnObject: 'Request body must be a JSON object',
  invalidUtf8: 'Request body is not valid UTF-8',
  tooDeep: 'Request body is nested too deeply',
  internal: 'Internal server error',
} as const;

/** The `msg` of a redrive's answer (a Ferrite extension): `Moved 1 message`, `Moved 12 messages`. */
export function movedMessages(count: number): string {
  return `Moved ${count} message${count === 1 ? '' : 's'}`;
}

/** The exact Content-Type of every response: Java parses error bodies only when it equals this. */
export const JSON_TYPE = 'application/json';
