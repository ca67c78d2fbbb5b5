/** What each person at the desk may do (SPEC §1): supervisors also approve, admins manage. */
export const ROLES = ['technician', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A signed-in desk user, as routes and services see them: never the password hash. */
export interface User {
  id: number;
  email: string;
  role: Role;
}
