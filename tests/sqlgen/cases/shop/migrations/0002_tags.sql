-- A function body with ';' inside dollar quotes: the whole file goes to PostgreSQL as is.
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE product_tags (
    product_id bigint NOT NULL REFERENCES products (id),
    tag        varchar(64) NOT NULL,
    PRIMARY KEY (product_id, tag)
);
