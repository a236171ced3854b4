-- Ledger guards: the database refuses what the ledger service already refuses in code.
-- Kept as drizzle/0001_ledger_guards.sql (a custom migration); re-create it after a squash with
-- `npx drizzle-kit generate --custom --name ledger_guards` and paste this file into it.
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad_unit text;
  bad_sum numeric;
BEGIN
  SELECT p.unit, sum(p.amount) INTO bad_unit, bad_sum
    FROM postings p WHERE p.entry_id = NEW.entry_id
    GROUP BY p.unit HAVING sum(p.amount) <> 0 LIMIT 1;
  IF bad_unit IS NOT NULL THEN
    RAISE EXCEPTION 'journal entry % does not balance: % postings sum to %', NEW.entry_id, bad_unit, bad_sum
      USING ERRCODE = '23514';
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = NEW.account_id AND a.unit <> NEW.unit) THEN
    RAISE EXCEPTION 'posting % has unit % unlike its account', NEW.id, NEW.unit USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER postings_entry_balanced
  AFTER INSERT ON postings DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '55000';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER journal_entries_immutable BEFORE UPDATE OR DELETE ON journal_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER postings_immutable BEFORE UPDATE OR DELETE ON postings
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
