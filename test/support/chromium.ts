/**
 * Headless Chromium for the browser tests: Debian's `chromium` (scripts/install-chromium.sh in CI,
 * or CHROMIUM_BIN), driven by playwright-core with `executablePath`, never a downloaded browser.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_BIN) return existsSync(process.env.CHROMIUM_BIN) ? process.env.CHROMIUM_BIN : undefined;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const chromium = chromiumPath();
/** Why a browser test cannot run here, or undefined. */
export const needsChromium = chromium ? undefined : 'no chromium (run scripts/install-chromium.sh or set CHROMIUM_BIN)';

/** A new browser and page at `url`; `failed` collects failed requests and page errors. */
export async function openPage(url: string, width = 1400, height = 820): Promise<{ browser: Browser; page: Page; failed: string[] }> {
  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({ executablePath: chromium!, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width, height } });
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(r.url()));
  page.on('pageerror', (e) => failed.push(String(e)));
  await page.goto(url);
  return { browser, page, failed };
}
