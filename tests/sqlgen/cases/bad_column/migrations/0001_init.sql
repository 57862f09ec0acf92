CREATE TYPE product_status AS ENUM ('draft', 'active', 'sold-out');

CREATE TABLE categories (
    id   bigserial PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE products (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    description text,
    price_cents integer NOT NULL,
    weight      double precision,
    status      product_status NOT NULL DEFAULT 'draft',
    category_id bigint REFERENCES categories (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    tags        text[] NOT NULL DEFAULT '{}'
);
