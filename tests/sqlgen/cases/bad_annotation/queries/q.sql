-- name: NoKind
SELECT 1;

SELECT 2;

-- name: Mixed :one
-- nullable: nothing
SELECT id FROM products WHERE id = @id OR id = $2;
