CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TABLE everything (
    id      uuid PRIMARY KEY,
    amount  numeric(12, 2) NOT NULL,
    blob    bytea,
    at_utc  timestamptz NOT NULL,
    at_wall timestamp,
    day     date NOT NULL,
    span    interval,
    doc     jsonb NOT NULL,
    raw     json,
    small   smallint NOT NULL,
    ratio   real,
    flag    boolean NOT NULL,
    code    char(3),
    qty     positive_int NOT NULL,
    ids     bigint[]
);
CREATE TABLE notes (everything_id uuid NOT NULL REFERENCES everything (id), body text NOT NULL);
