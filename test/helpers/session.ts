import assert from 'node:assert/strict';
import type { Express } from 'express';
import request from 'supertest';
import type { Role } from '../../src/auth/user.ts';
import type { Db } from '../../src/db/db.ts';
import { createUserWithToken, type TestUser } from './users.ts';

export type Agent = ReturnType<typeof request.agent>;

export interface SignedIn {
  /** Keeps the session cookie: use it for every console request of this user. */
  agent: Agent;
  /** The session's CSRF token, for the `_csrf` field of console forms. */
  csrfToken: string;
}

/** The `_csrf` hidden field's value in a console page. */
export function csrfFrom(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(token, 'the page has a _csrf field');
  return token;
}

/** Signs in through the sign-in form, as a browser would, and fails the test if that fails. */
export async function signIn(app: Express, email: string, password: string): Promise<SignedIn> {
  const agent = request.agent(app);
  const form = await agent.get('/desk/sign-in').expect(200);
  await agent
    .post('/desk/sign-in')
    .type('form')
    .send({ email, password, _csrf: csrfFrom(form.text) })
    .expect(303);
  // Signing in starts a new session, with a CSRF token of its own.
  const home = await agent.get('/desk').expect(200);
  return { agent, csrfToken: csrfFrom(home.text) };
}

/** A new user of the role (with a password and an API token), signed in to the console. */
export async function signInAs(
  app: Express,
  db: Db,
  role: Role,
  overrides: { email?: string; password?: string } = {},
): Promise<SignedIn & TestUser> {
  const user = await createUserWithToken(db, role, overrides);
  return { ...user, ...(await signIn(app, user.user.email, user.password)) };
}

/** Posts a console form as `who`, with their session's CSRF token. */
export function postForm(who: SignedIn, path: string, fields: Record<string, string> = {}) {
  return who.agent
    .post(path)
    .type('form')
    .send({ _csrf: who.csrfToken, ...fields });
}
