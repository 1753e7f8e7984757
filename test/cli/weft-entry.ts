/** The CLI as a process from the sources (for tests that need a real terminal or process). */
import { main } from '../../src/cli/main.js';

process.exit(await main(process.argv.slice(2)));
