-- name: TagsByProduct :many
-- The prefetch child of ListProducts: one query over every parent key, rows keyed by the first column.
SELECT product_id, tag FROM product_tags WHERE product_id = ANY(@product_ids) ORDER BY tag;

-- name: CountByStatus :many
SELECT status, count(*) AS n, avg(weight) AS avg_weight
FROM products GROUP BY status;
