import type { Request, Response } from 'express';
import type { Templates } from '../templates.ts';
import { hasRole } from '../auth/roles.ts';
import { takeFlash } from '../auth/session.ts';
import { bellBadge } from './notification-bell.ts';

/**
 * Renders a console page in templates/layouts/desk.hbs: the signed-in user, the sign-out
 * button, the navigation, the notification bell (its count from notificationBell), a one-time
 * notice, and `csrfToken` for the page's own forms
 * (`<input type="hidden" name="_csrf" value="{{csrfToken}}">`). The console is English only.
 */
export function renderDeskPage(
  req: Request,
  res: Response,
  templates: Templates,
  name: string,
  context: Record<string, unknown> & { title: string },
  status = 200,
): void {
  const user = res.locals.user;
  res.status(status).send(
    templates.page(name, {
      ...context,
      layout: 'desk',
      locale: 'en',
      // Never the credential (the session's id) into a page.
      user: user && { id: user.id, email: user.email, role: user.role },
      isAdmin: user ? hasRole(user, 'admin') : false,
      isSupervisor: user ? hasRole(user, 'supervisor') : false,
      csrfToken: res.locals.csrfToken,
      unreadNotifications: res.locals.unreadNotifications ?? 0,
      bellBadge: bellBadge(res.locals.unreadNotifications),
      flash: takeFlash(req),
      nav: req.path,
    }),
  );
}
