import ms from 'ms';
import { z } from 'zod';

/**
 * The pieces every feature's config schema is made of (src/<feature>/<feature>.config.ts). A leaf:
 * it imports no feature and not config.ts, so config.ts can compose the features without a circle.
 */

/** Every problem of the configuration, one line each; main prints them and exits. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A feature's variables: one zod schema per name, parsed one by one by config.ts. */
export type EnvShape = Record<string, z.ZodType>;

/** The parsed values of a feature's variables (a failed one holds its default, or is unset). */
export type EnvOf<S extends EnvShape> = z.output<z.ZodObject<S>>;

/** What a feature's config builder gets besides its own parsed variables. */
export interface ConfigContext {
  /** Every variable (empty ones removed), for names no schema can list (OAUTH_<NAME>_ISSUER). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Variables already reported: a cross-variable rule stays quiet about them. */
  readonly failed: ReadonlySet<string>;
  /** Every problem of the configuration, so one pass reports them all. */
  readonly problems: string[];
  /** NODE_ENV, development when unset. */
  readonly mode: 'development' | 'test' | 'production';
  readonly isProduction: boolean;
}

export const duration = (
  name: string,
  fallback: string,
  bounds: { allowZero?: boolean; max?: ms.StringValue } = {},
) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const parsed = value.trim() === '0' && bounds.allowZero ? 0 : ms(value as ms.StringValue);
      if (
        typeof parsed !== 'number' ||
        !Number.isFinite(parsed) ||
        parsed < 0 ||
        (parsed === 0 && !bounds.allowZero)
      ) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a duration such as "15m" or "30d"${bounds.allowZero ? ', or 0' : ''} (got "${value}")`,
        });
        return z.NEVER;
      }
      // Upper bounds keep a typo (10d for 10s) from turning a short security window into a long one.
      if (bounds.max && parsed > ms(bounds.max)) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be at most ${bounds.max} (got "${value}")`,
        });
        return z.NEVER;
      }
      return parsed;
    });

const toInteger =
  (name: string, min: number, max: number) => (value: string, ctx: z.RefinementCtx) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be an integer from ${min} to ${max} (got "${value}")`,
      });
      return z.NEVER;
    }
    return n;
  };

export const integer = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .transform(toInteger(name, min, max));

/** Unset stays undefined: the default depends on something else (cores, another variable). */
export const optionalInteger = (name: string, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) =>
      value === undefined ? undefined : toInteger(name, min, max)(value, ctx),
    );

const toBoolean = (name: string) => (value: string, ctx: z.RefinementCtx) => {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  ctx.addIssue({ code: 'custom', message: `${name} must be true or false (got "${value}")` });
  return z.NEVER;
};

export const boolean = (name: string) => z.string().default('false').transform(toBoolean(name));

/** Unset stays undefined: the default depends on something else (the mode). */
export const optionalBoolean = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => (value === undefined ? undefined : toBoolean(name)(value, ctx)));

export const url = (name: string, protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `${name} must be a ${protocols.join(' or ')} URL` },
  );

/** A comma list, trimmed, without empty entries. */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** A duration in whole seconds, at least 1 (what JWT and link lifetimes are counted in). */
export function seconds(durationMs: number): number {
  return Math.max(1, Math.round(durationMs / 1000));
}
