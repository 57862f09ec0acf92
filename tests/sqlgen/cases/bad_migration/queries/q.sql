-- name: One :one
SELECT id FROM t WHERE id = @id;
