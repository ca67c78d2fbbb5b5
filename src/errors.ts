import type { MessageKey } from './i18n/i18n.ts';

/** A field's problem: a message key and what fills its placeholders. */
export interface FieldError {
  key: MessageKey;
  params?: Record<string, number>;
}
export type FieldErrors = Record<string, FieldError>;

/** An error a user can be told about: a code, an HTTP status, and a safe message. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(readonly fields: FieldErrors) {
    super('validation_failed', 422, 'Some fields are missing or not valid.');
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super('not_found', 404, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You may not do this.') {
    super('forbidden', 403, message);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many requests. Try again later.') {
    super('rate_limited', 429, message, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

export class UnavailableError extends AppError {
  constructor(message = 'The service is briefly unavailable. Try again shortly.') {
    super('unavailable', 503, message, { 'Retry-After': '5' });
  }
}
