-- Schema of the repository behaviour test (tests/services/sqlgen_repo_pgtest.cpp).
CREATE TYPE mood AS ENUM ('happy', 'sad', 'so-so');

-- Every type of the mapping table, each nullable so NULL round-trips too.
CREATE TABLE all_types (
    id        bigserial PRIMARY KEY,
    b         boolean,
    i2        smallint,
    i4        integer,
    i8        bigint,
    f4        real,
    f8        double precision,
    num       numeric,
    txt       text,
    vc        varchar(40),
    raw       bytea,
    uid       uuid,
    tstz      timestamptz,
    ts        timestamp,
    d         date,
    span      interval,
    js        json,
    jsb       jsonb,
    txts      text[],
    ints      integer[],
    feeling   mood
);

CREATE TABLE items (
    id       bigserial PRIMARY KEY,
    name     text NOT NULL,
    category text NOT NULL,
    price    integer NOT NULL CHECK (price >= 0)
);

CREATE TABLE authors (
    id   bigserial PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE books (
    author_id bigint NOT NULL REFERENCES authors (id),
    title     text NOT NULL
);

CREATE TABLE accounts (
    id      bigint PRIMARY KEY,
    balance bigint NOT NULL
);
