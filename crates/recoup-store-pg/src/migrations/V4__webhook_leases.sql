-- Recoup on PostgreSQL, migration 4: which endpoint instance delivers an account's webhook
-- events right now. Several instances serve one database; the one holding an account's lease
-- (until it expires or is released) is the only one delivering its events, so a receiver gets
-- them in order and not once per instance. An instance that dies holding a lease loses it when
-- `until` passes, and another instance takes the account over.

-- per account.
CREATE TABLE webhook_leases (
    account_id uuid   PRIMARY KEY REFERENCES accounts (account_id),
    holder     uuid   NOT NULL,
    until      bigint NOT NULL
);
