import type { Request } from 'express';
import { Router } from 'express';
import { renderDeskPage } from '../desk/desk-page.ts';
import { requireSession } from '../auth/require-session.ts';
import type { WebDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { emailTemplates, previewEmail } from './email-preview.service.ts';

export const EMAIL_PREVIEWS = '/desk/admin/emails';

/**
 * The admin's email previews: every template in every locale rendered with sample data. The
 * HTML part is served on its own address under a sandboxing CSP and shown in a sandboxed frame,
 * so nothing in a template can run script or reach the console's session.
 */
export function emailPreviewRoutes(deps: WebDeps): Router {
  const entries = emailTemplates();
  const router = Router();
  router.use(EMAIL_PREVIEWS, requireSession('admin'));

  router.get(EMAIL_PREVIEWS, (req, res) => {
    const locales = [...new Set(entries.map((e) => e.locale))];
    const names = [...new Set(entries.map((e) => e.name))].sort();
    const rows = names.map((name) => ({
      name,
      cells: locales.map((locale) => ({
        locale,
        entry: entries.find((e) => e.name === name && e.locale === locale),
      })),
    }));
    renderDeskPage(req, res, deps.templates, 'admin-emails', { title: 'Email previews', locales, rows });
  });

  router.get(`${EMAIL_PREVIEWS}/:locale/:name`, (req, res) => {
    const preview = find(deps, entries, req);
    const query = preview.variant ? `?variant=${encodeURIComponent(preview.variant)}` : '';
    renderDeskPage(req, res, deps.templates, 'admin-emails-show', {
      title: `Email ${preview.entry.name} (${preview.entry.locale})`,
      preview,
      htmlUrl: `${EMAIL_PREVIEWS}/${preview.entry.locale}/${preview.entry.name}/html${query}`,
      otherLocales: entries.filter((e) => e.name === preview.entry.name && e.locale !== preview.entry.locale),
    });
  });

  router.get(`${EMAIL_PREVIEWS}/:locale/:name/html`, (req, res) => {
    const preview = find(deps, entries, req);
    res.set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'",
      'Cache-Control': 'no-store',
    });
    res.send(preview.html);
  });

  return router;
}

function find(deps: WebDeps, entries: ReturnType<typeof emailTemplates>, req: Request) {
  const variant = typeof req.query.variant === 'string' ? req.query.variant : undefined;
  const preview = previewEmail(
    deps.templates,
    entries,
    String(req.params.locale),
    String(req.params.name),
    variant,
  );
  if (!preview) throw new NotFoundError('There is no such email template.');
  return preview;
}
