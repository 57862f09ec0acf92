CREATE TABLE t (id int PRIMARY KEY);
CREATE TABLE u (
    id int REFERENCES missing_table (id)
);
