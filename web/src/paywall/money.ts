/**
 * The viewer's pages format money with the merchant console's formatter, so a price reads the same
 * everywhere and uses the server's currency exponents (ISK has none, BHD three).
 */
export { formatMinor as formatMoney, formatDate, formatDateTime } from '../merchant/money.ts';
