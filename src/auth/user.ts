import type { TokenScope } from './token-scopes.ts';

/** Desk roles, ranked (see roles.ts): supervisors also approve, admins also manage users and tokens. */
export const ROLES = ['technician', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A signed-in desk user, as routes and services see them: never the password hash. */
export interface User {
  id: number;
  email: string;
  role: Role;
}

/**
 * What a user proved who they are with (README "Security"): a console session (express-session's id) or
 * an API token, with who created the token (a user's id, the operator's command line, or null
 * for a token made before the desk recorded it) and the scopes it was made with.
 */
export type Credential =
  | { kind: 'session'; id: string }
  | { kind: 'token'; id: number; createdBy: number | 'cli' | null; scopes: readonly TokenScope[] };

/** The user of a request, as requireToken and deskSession give it to routes and services. */
export interface AuthenticatedUser extends User {
  credential: Credential;
}
