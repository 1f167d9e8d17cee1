//! Tests of the PostgreSQL engine against a real server.
