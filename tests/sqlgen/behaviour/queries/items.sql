-- name: CreateItem :one
INSERT INTO items (name, category, price) VALUES (@name, @category, @price) RETURNING id;

-- name: ListItems :many
-- filter: category = category = @category
-- filter: max_price = price <= @max_price
-- sort: name, price
SELECT id, name, category, price FROM items
WHERE true /* filters */
/* sort */
LIMIT @limit;

-- name: RenameItem :exec
UPDATE items SET name = @name WHERE id = @id;

-- name: DeleteCheaperThan :execrows
DELETE FROM items WHERE price < @price;

-- name: CountItems :one
-- notnull: n
SELECT count(*) AS n FROM items;

-- name: CreateItems :batch
INSERT INTO items (name, category, price) VALUES (@name, @category, @price) RETURNING id;

-- name: Reprice :batch
UPDATE items SET price = @price WHERE category = @category;
