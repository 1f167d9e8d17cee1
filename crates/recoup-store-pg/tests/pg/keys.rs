//! The rule that makes the data distributable by account, asserted on the live schema.

use std::collections::BTreeSet;

use recoup_store_pg::{TABLES, TableKind};

use crate::support::migrated;

#[tokio::test]
async fn every_per_account_table_has_a_primary_key_starting_with_account_id() {
    let (client, _) = migrated("keys").await;
    let rows = client
        .query(
            "SELECT c.relname::text, a.attname::text
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
             WHERE i.indisprimary AND n.nspname = 'public'",
            &[],
        )
        .await
        .unwrap();
    let first: std::collections::BTreeMap<String, String> =
        rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    for (table, kind) in TABLES {
        let Some(column) = first.get(*table) else {
            panic!("table {table} must have a primary key");
        };
        if *kind == TableKind::PerAccount {
            assert_eq!(
                column, "account_id",
                "per-account table {table} must have a primary key starting with account_id, so it can be distributed by account"
            );
        } else {
            assert_ne!(
                column, "account_id",
                "{table} is keyed by account_id: declare it per account in TABLES"
            );
        }
    }
}

#[tokio::test]
async fn every_table_has_a_declared_kind() {
    let (client, _) = migrated("kinds").await;
    let rows = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            &[],
        )
        .await
        .unwrap();
    let live: BTreeSet<String> = rows.iter().map(|r| r.get(0)).collect();
    let declared: BTreeSet<String> = TABLES.iter().map(|(t, _)| (*t).to_owned()).collect();
    assert_eq!(
        live, declared,
        "every table of the schema must be declared per account, global or lookup in recoup_store_pg::TABLES, and nothing else"
    );
}

#[tokio::test]
async fn every_unique_index_of_a_per_account_table_starts_with_account_id() {
    // A distributed table can only be unique on keys that include its distribution column.
    let (client, _) = migrated("unique").await;
    let rows = client
        .query(
            "SELECT c.relname::text, ic.relname::text, a.attname::text
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
             WHERE i.indisunique AND n.nspname = 'public'",
            &[],
        )
        .await
        .unwrap();
    for row in rows {
        let (table, index, column): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let per_account = TABLES
            .iter()
            .any(|(t, k)| *t == table && *k == TableKind::PerAccount);
        if per_account {
            assert_eq!(
                column, "account_id",
                "unique index {index} of per-account table {table} must start with account_id"
            );
        }
    }
}

#[tokio::test]
async fn every_foreign_key_stays_within_an_account_or_points_at_a_global_table() {
    // The two kinds of foreign key a distributed PostgreSQL (Citus) allows: between colocated
    // tables on the distribution column, or to a reference table.
    let (client, _) = migrated("foreign").await;
    let rows = client
        .query(
            "SELECT con.conname::text, src.relname::text, dst.relname::text,
                    (SELECT attname::text FROM pg_attribute WHERE attrelid = src.oid AND attnum = con.conkey[1])
             FROM pg_constraint con
             JOIN pg_class src ON src.oid = con.conrelid
             JOIN pg_class dst ON dst.oid = con.confrelid
             WHERE con.contype = 'f'",
            &[],
        )
        .await
        .unwrap();
    let kind = |t: &str| TABLES.iter().find(|(n, _)| *n == t).map(|(_, k)| *k);
    assert!(!rows.is_empty(), "the schema has foreign keys to check");
    for row in rows {
        let (name, from, to, first): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let ok = match (kind(&from), kind(&to)) {
            (_, Some(TableKind::Global)) => true,
            (Some(TableKind::PerAccount), Some(TableKind::PerAccount)) => first == "account_id",
            _ => false,
        };
        assert!(
            ok,
            "foreign key {name} from {from} to {to} must stay within one account (starting with account_id) or point at a global table"
        );
    }
}
