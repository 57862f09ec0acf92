-- name: InsertAllTypes :one
-- nullable: b, i2, i4, i8, f4, f8, num, txt, vc, raw, uid, tstz, ts, d, span, js, jsb, txts, ints, feeling
INSERT INTO all_types (b, i2, i4, i8, f4, f8, num, txt, vc, raw, uid, tstz, ts, d, span, js, jsb, txts, ints, feeling)
VALUES (@b, @i2, @i4, @i8, @f4, @f8, @num, @txt, @vc, @raw, @uid, @tstz, @ts, @d, @span, @js, @jsb, @txts, @ints, @feeling)
RETURNING id;

-- name: GetAllTypes :one
SELECT b, i2, i4, i8, f4, f8, num, txt, vc, raw, uid, tstz, ts, d, span, js, jsb, txts, ints, feeling
FROM all_types WHERE id = @id;
