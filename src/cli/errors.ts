/**
 * The CLI's error types. Kept apart from option parsing so `main.ts` can catch them without
 * loading any command's dependencies.
 */

/** A failure the user can act on: printed without a stack trace, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong flags or arguments: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}
