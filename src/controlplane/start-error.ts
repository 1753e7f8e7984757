/** A start failure whose message says what to do (`weft serve` prints it and exits). */
export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}
