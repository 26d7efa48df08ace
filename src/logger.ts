import pino from 'pino';
import { errorFields } from './error-fields';

export type Logger = pino.Logger;

// Any field with these names is replaced before a line is written: a log line must never carry a secret.
const REDACT = [
  'password',
  'newPassword',
  'currentPassword',
  'passwordHash',
  'token',
  'refreshToken',
  'accessToken',
  'authorization',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.passwordHash',
  '*.token',
  '*.refreshToken',
  '*.accessToken',
  '*.authorization',
  'req.headers.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'authql' },
      redact: { paths: REDACT, censor: '[redacted]' },
      // `logger.error({ err })` and `logger.error(err)`: never a driver's message (SQL, values).
      serializers: { err: errorFields },
    },
    destination,
  );
}
