import type { Command } from '../../domain/crimsonq-wire';

/**
 * REST routes of CrimsonQ's command table (src/domain/crimsonq-wire.ts), generated as CrimsonQ does: `/api/` +
 * the name with `.` → `/`, then `/:arg` per argument for a GET; a POST takes its arguments in the body.
 */
export function pathOf(command: Command): string {
  const base = `/${command.name.replace(/\./g, '/')}`;
  return command.method === 'GET' ? base + command.args.map((arg) => `/:${arg}`).join('') : base;
}
