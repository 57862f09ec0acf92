-- name: CreateAuthor :one
INSERT INTO authors (name) VALUES (@name) RETURNING id;

-- name: AddBook :exec
INSERT INTO books (author_id, title) VALUES (@author_id, @title);

-- name: ListAuthors :many
-- prefetch: BooksByAuthor(id)
SELECT id, name FROM authors ORDER BY id;

-- name: BooksByAuthor :many
SELECT author_id, title FROM books WHERE author_id = ANY(@author_ids) ORDER BY title;

-- name: OpenAccount :exec
INSERT INTO accounts (id, balance) VALUES (@id, @balance);

-- name: GetBalance :one
SELECT balance FROM accounts WHERE id = @id;

-- name: SetBalance :exec
UPDATE accounts SET balance = @balance WHERE id = @id;
