import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  intake: Counter<'outcome'>;
}

/** What the gauges read when /metrics is scraped (the entry point passes the repositories' counts). */
export interface GaugeReaders {
  outboxBacklog(): Promise<number>;
  emailsByStatus(): Promise<{ status: string; n: number }[]>;
  requestsByStatus(): Promise<{ status: string; n: number }[]>;
}

/** One registry per process; the gauges read the database when scraped. */
export function createMetrics(read: GaugeReaders): Metrics {
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
      this.set(await read.outboxBacklog());
    },
  });
  new Gauge({
    name: 'desk_emails',
    help: 'Emails by delivery status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { status, n } of await read.emailsByStatus()) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'desk_requests',
    help: 'Recovery requests by workflow status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { status, n } of await read.requestsByStatus()) this.set({ status }, n);
    },
  });
  return { registry, intake };
}
