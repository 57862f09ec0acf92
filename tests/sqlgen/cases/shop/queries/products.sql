-- name: GetProduct :one
SELECT id, name, description, price_cents, status, created_at, tags
FROM products
WHERE id = @id;

-- name: ListProducts :many
-- filter: category = category_id = @category
-- filter: max_price = price_cents <= @max_price
-- sort: name, price_cents
-- prefetch: TagsByProduct(id)
SELECT p.id, p.name, c.name AS category_name
FROM products p
LEFT JOIN categories c ON c.id = p.category_id
WHERE p.status = @status /* filters */
/* sort */
LIMIT @limit;

-- name: CreateProduct :one
-- nullable: description
-- notnull: total
INSERT INTO products (name, description, price_cents, status)
VALUES (@name, @description, @price_cents, 'draft')
RETURNING id, price_cents * 2 AS total, 'semi;colon' AS note;

-- name: DeleteProduct :execrows
DELETE FROM products WHERE id = $1;

-- name: RenameCategory :exec
UPDATE categories SET name = $2 WHERE id = $1;
