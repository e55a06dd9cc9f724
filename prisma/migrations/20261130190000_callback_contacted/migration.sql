-- The callback survey also asks whether the handling unit contacted the citizen (响应率,
-- issue 13). Null = not asked: such a callback counts in neither term of the response rate.
ALTER TABLE callbacks ADD COLUMN contacted boolean;
