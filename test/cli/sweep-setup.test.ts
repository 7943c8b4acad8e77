import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cliSweep } from '../../cli/sweep-setup';
import { memoryLogger } from '../support/memory-store';

const io = (env: NodeJS.ProcessEnv) => ({ stdout: new PassThrough(), stderr: new PassThrough(), env });

describe('backfill and watch settings', () => {
  it('alerts to the configured sinks by default, and to none with --no-alerts', () => {
    const env = { WEBHOOK_URL: 'http://127.0.0.1:9/hook', WEBHOOK_FORMAT: 'slack', ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:t' };
    expect(cliSweep({ bucket: 'b' }, io(env), memoryLogger()).alertSinks).toEqual(['webhook-slack', 'sns']);
    expect(cliSweep({ bucket: 'b', 'no-alerts': true }, io(env), memoryLogger()).alertSinks).toEqual([]);
    expect(cliSweep({ bucket: 'b' }, io({}), memoryLogger()).alertSinks).toEqual([]);
  });

  it('takes the flags over the environment, and the concurrency from SWEEP_CONCURRENCY', () => {
    const s = cliSweep({ bucket: 'b', 'webhook-url': 'http://127.0.0.1:9/x', concurrency: '8' }, io({ SWEEP_CONCURRENCY: '2' }), memoryLogger());
    expect(s.alertSinks).toEqual(['webhook-json']);
    expect(s.options.concurrency).toBe(8);
    expect(cliSweep({ bucket: 'b' }, io({ SWEEP_CONCURRENCY: '2' }), memoryLogger()).options.concurrency).toBe(2);
    expect(cliSweep({ bucket: 'b' }, io({}), memoryLogger()).options.concurrency).toBe(4);
  });

  it('refuses a concurrency that is not a small positive integer, naming the variable', () => {
    for (const bad of ['0', '2.5', 'many', '65']) {
      expect(() => cliSweep({ bucket: 'b', concurrency: bad }, io({}), memoryLogger())).toThrow(/SWEEP_CONCURRENCY/);
    }
  });
});
