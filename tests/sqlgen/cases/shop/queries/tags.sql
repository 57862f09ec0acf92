-- name: TagsByProduct :many
SELECT tag FROM product_tags WHERE product_id = @product_id ORDER BY tag;

-- name: CountByStatus :many
SELECT status, count(*) AS n, avg(weight) AS avg_weight
FROM products GROUP BY status;
