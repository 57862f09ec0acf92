-- name: Fine :one
SELECT id FROM products WHERE id = @id;

-- name: Broken :many
SELECT id,
       nme
FROM products
WHERE status = @status;
