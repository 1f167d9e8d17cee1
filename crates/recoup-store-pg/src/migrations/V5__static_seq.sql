-- Recoup on PostgreSQL, migration 5: the numbering triggers with static SQL.
--
-- Migration 2's `recoup_next_seq` built its `SELECT max(seq)` with `format` and ran it with
-- `EXECUTE`, so PostgreSQL parsed and planned it again for every row it numbered (about 0.17 ms
-- a row, three rows per claim; docs/benchmarks.md 5.1). One function per numbered table runs the
-- same query as static SQL, planned once per connection. What they guarantee is unchanged: a row
-- is numbered only by a transaction that holds its account (`recoup_ledger_tx` refuses
-- otherwise), as the account's last number + 1, in commit order.

CREATE FUNCTION recoup_next_seq_documents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recoup_ledger_tx(NEW.account_id);
    NEW.seq := (SELECT COALESCE(max(seq), 0) + 1 FROM documents WHERE account_id = NEW.account_id);
    RETURN NEW;
END $$;

CREATE FUNCTION recoup_next_seq_ledger_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recoup_ledger_tx(NEW.account_id);
    NEW.seq := (SELECT COALESCE(max(seq), 0) + 1 FROM ledger_entries WHERE account_id = NEW.account_id);
    RETURN NEW;
END $$;

CREATE FUNCTION recoup_next_seq_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recoup_ledger_tx(NEW.account_id);
    NEW.seq := (SELECT COALESCE(max(seq), 0) + 1 FROM changes WHERE account_id = NEW.account_id);
    RETURN NEW;
END $$;

CREATE FUNCTION recoup_next_seq_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recoup_ledger_tx(NEW.account_id);
    NEW.seq := (SELECT COALESCE(max(seq), 0) + 1 FROM events WHERE account_id = NEW.account_id);
    RETURN NEW;
END $$;

DROP TRIGGER documents_seq ON documents;
CREATE TRIGGER documents_seq BEFORE INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION recoup_next_seq_documents();
DROP TRIGGER ledger_entries_seq ON ledger_entries;
CREATE TRIGGER ledger_entries_seq BEFORE INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION recoup_next_seq_ledger_entries();
DROP TRIGGER changes_seq ON changes;
CREATE TRIGGER changes_seq BEFORE INSERT ON changes
    FOR EACH ROW EXECUTE FUNCTION recoup_next_seq_changes();
DROP TRIGGER events_seq ON events;
CREATE TRIGGER events_seq BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION recoup_next_seq_events();

DROP FUNCTION recoup_next_seq();
