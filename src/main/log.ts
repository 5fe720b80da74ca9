/** Structured logs (pino). Inputs are never logged, so passwords and tokens stay out of the files. */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(opts: { level?: string; file?: string } = {}): Logger {
  const level = opts.level ?? process.env.OUTPOST_LOG_LEVEL ?? 'info';
  return opts.file ? pino({ level }, pino.destination({ dest: opts.file, mkdir: true, sync: false })) : pino({ level });
}
