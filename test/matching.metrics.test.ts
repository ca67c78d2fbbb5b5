import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
// The labelled set lives beside the repository (../shared/data), as in CI; SHARED_DATA_DIR overrides.
const DATA = process.env.SHARED_DATA_DIR ?? path.resolve(ROOT, '..', 'shared', 'data');
const desk = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/desk.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    maxBuffer: 16 * 1024 * 1024,
  });

/** The targets of issue 3 on ../shared/data. */
const TARGETS = { verdict_accuracy: 0.95, candidate_recall: 0.98, flag_recall: 0.95, strong_recall: 0.95 };

describe(
  'desk eval matching on the labelled set',
  { skip: !existsSync(DATA) && `no labelled data at ${DATA}` },
  () => {
    it('when every request is matched in file order, then no strong verdict is wrong and every target is met', async () => {
      const { stdout } = await desk(
        'eval',
        'matching',
        '--purchases',
        path.join(DATA, 'purchases.csv'),
        '--requests',
        path.join(DATA, 'requests.ndjson'),
      );
      const metrics = JSON.parse(stdout.trim()) as Record<string, number>;
      assert.equal(metrics.requests, 600);
      assert.equal(
        metrics.false_strong,
        0,
        'a strong verdict on the wrong evidence hands a code to a stranger',
      );
      // Instant recovery acts on these by itself: none may be another purchase or another person's.
      const instant = (metrics as unknown as { instant_recovery: Record<string, number> }).instant_recovery;
      assert.ok((instant.requests ?? 0) > 0, 'some requests resolve instantly');
      assert.equal(instant.wrong_purchase, 0);
      assert.equal(instant.not_the_purchaser, 0);
      for (const [metric, target] of Object.entries(TARGETS)) {
        assert.ok(metrics[metric]! >= target, `${metric} ${metrics[metric]} is below ${target}`);
      }
    });
  },
);

describe('desk eval matching, called wrongly', () => {
  it('when a file option is missing, then exit 2 with the usage', async () => {
    await assert.rejects(
      desk('eval', 'matching', '--purchases', 'x.csv'),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 2);
        assert.match(error.stderr, /--requests is required/);
        return true;
      },
    );
  });

  it('when a file does not exist, then exit 1 naming it', async () => {
    await assert.rejects(
      desk('eval', 'matching', '--purchases', '/nonexistent.csv', '--requests', '/nonexistent.ndjson'),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr, /Cannot read \/nonexistent\.csv: no such file/);
        return true;
      },
    );
  });
});
