import type { Page } from 'playwright-core';
import { PASSWORD } from './content.ts';

/** Signs up through the app's form (so the CSRF-protected flow is the one used) and lands on the feed. */
export async function signUpInBrowser(page: Page, baseUrl: string, name: string): Promise<void> {
  await page.goto(`${baseUrl}/signup?next=/`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(`${name.toLowerCase().replace(/\W+/g, '-')}-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${baseUrl}/`);
}

/** Signs in through the app's form and waits for `next` (its path) to open. */
export async function signInInBrowser(page: Page, baseUrl: string, email: string, next: string): Promise<void> {
  await page.goto(`${baseUrl}/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === next.split('?')[0]);
}
