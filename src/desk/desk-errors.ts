import type { ErrorRequestHandler } from 'express';
import { AppError } from '../errors.ts';
import type { Templates } from '../templates.ts';
import { renderDeskPage } from './desk-page.ts';

const TITLES: Record<number, string> = {
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not done',
  422: 'Not valid',
  429: 'Too many requests',
};

/**
 * Console errors a person should read (AppError, 4xx, HTML wanted) as a page in the console's
 * own layout, with its navigation; everything else goes on to the app's error handler.
 */
export function deskErrorPages(templates: Templates): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const wantsHtml = req.accepts(['html', 'json']) === 'html';
    if (!(error instanceof AppError) || error.status >= 500 || !wantsHtml || res.headersSent)
      return next(error);
    res.set(error.headers);
    const title = TITLES[error.status] ?? 'Something is wrong';
    renderDeskPage(
      req,
      res,
      templates,
      'desk-error',
      { title, message: error.message, status: error.status },
      error.status,
    );
  };
}
