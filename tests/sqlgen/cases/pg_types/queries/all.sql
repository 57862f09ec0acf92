-- name: GetEverything :one
SELECT * FROM everything WHERE id = @id;

-- name: WithNotes :many
-- Columns of the table after LEFT JOIN may be NULL although NOT NULL in the schema.
SELECT e.id, e.flag, n.body
FROM everything e
LEFT JOIN notes n ON n.everything_id = e.id
WHERE e.day >= @since AND e.doc @> @filter::jsonb;

-- name: InsertNote :copyfrom
INSERT INTO notes (everything_id, body) VALUES (@everything_id, @body);
