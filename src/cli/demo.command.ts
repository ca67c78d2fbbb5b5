import { DEMO_LOOKUP_ADDRESSES, loadDemo, DEMO_USERS } from '../demo/demo.service.ts';
import { DEMO_HISTORY_REQUESTS, loadDemoHistory } from '../reports/demo-history.service.ts';
import { loadTemplates } from '../templates.ts';
import { parseOptions } from './arguments.ts';
import { UsageError, withDatabase, type Command } from './command.ts';

/** `desk demo`: demo purchases, users (with public passwords) and requests. Refused in production. */
export const demoCommand: Command = {
  usage:
    'demo [--history]   load demo purchases, users and requests; --history: a year of generated requests for the reports (not with NODE_ENV=production)',
  async run(args) {
    const { positionals, values } = parseOptions({
      args,
      options: { history: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`Unexpected arguments: ${positionals.join(' ')}.`);
    if (process.env.NODE_ENV === 'production') {
      process.stderr.write(
        'desk demo adds users with public passwords; it does not run with NODE_ENV=production.\n',
      );
      return 1;
    }
    const loaded = await withDatabase((db, config) => loadDemo({ db, config, templates: loadTemplates() }));
    const p = loaded.purchases;
    const out: string[] = [
      `Purchases: ${p.inserted} new, ${p.updated} updated, ${p.unchanged} unchanged, ${p.rejected} rejected.`,
      '',
      'Sign in at /desk/sign-in as:',
      ...DEMO_USERS.map(
        (u) =>
          `  ${u.email.padEnd(24)} ${u.password.padEnd(18)} ${u.role}${loaded.usersAdded.includes(u.email) ? '' : ' (already there)'}`,
      ),
      '',
      loaded.requestsFiled.length
        ? 'Requests filed (the desk matches them within seconds while it runs):'
        : 'The demo requests were filed before; none added.',
      ...loaded.requestsFiled.map((r) => `  ${r.reference}  ${r.label}\n      ${r.statusUrl}`),
      '',
      `"Email me my codes" at /recover/by-email: try ${DEMO_LOOKUP_ADDRESSES.join(' or ')}.`,
    ];
    if (values.history) {
      const history = await withDatabase((db) => loadDemoHistory(db));
      out.push(
        '',
        `History for /desk/reports: ${DEMO_HISTORY_REQUESTS.toLocaleString('en')} demo requests over a year (once), ${history.daysRolledUp} days rolled up.`,
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};
