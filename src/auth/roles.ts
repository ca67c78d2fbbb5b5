import { ForbiddenError } from '../errors.ts';
import type { Role, User } from './user.ts';

/**
 * Roles are ranked: a supervisor may do all a technician may, and an admin all a supervisor
 * may. Admins manage users and tokens, and may also work the queue and approve as a
 * supervisor: a small support team often has its lead as its admin, and a separate login just
 * to approve a refund would only invite shared passwords.
 */
const RANK: Record<Role, number> = { technician: 1, supervisor: 2, admin: 3 };

/** Whether the user holds `role` or a higher one. */
export function hasRole(user: Pick<User, 'role'>, role: Role): boolean {
  return RANK[user.role] >= RANK[role];
}

/** Who works the queue: technicians and every higher role. */
export function requireDeskWorker(actor: User): void {
  if (!hasRole(actor, 'technician')) throw new ForbiddenError('Only desk staff work requests.');
}
