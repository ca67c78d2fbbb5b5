import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/db.ts';
import { countEmailsByStatus } from '../mail/mail.repository.ts';
import { countUndispatched } from '../outbox/outbox.repository.ts';
import { countRequestsByStatus } from '../requests/requests.repository.ts';

export interface Metrics {
  registry: Registry;
  intake: Counter<'outcome'>;
}

/** One registry per process; the gauges read the database when scraped. */
export function createMetrics(db: Db): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'desk_' });
  const intake = new Counter({
    name: 'desk_intake_requests_total',
    help: 'Recovery requests submitted, by outcome (accepted, invalid, rate_limited).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  new Gauge({
    name: 'desk_outbox_backlog',
    help: 'Outbox rows not yet handed to the job queue.',
    registers: [registry],
    async collect() {
      this.set(await countUndispatched(db));
    },
  });
  new Gauge({
    name: 'desk_emails',
    help: 'Emails by delivery status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { status, n } of await countEmailsByStatus(db)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'desk_requests',
    help: 'Recovery requests by workflow status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { status, n } of await countRequestsByStatus(db)) this.set({ status }, n);
    },
  });
  return { registry, intake };
}
