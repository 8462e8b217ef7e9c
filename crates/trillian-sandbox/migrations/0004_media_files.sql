-- Media data moved out of SQLite into content-addressed files beside the database
-- (`<db>.media/<hex sha-256>`). Before this runs, the sandbox writes every blob that is a media
-- item's data to its file (see store::migrate); the rows are then only kept where they are a
-- thumbnail, which stay in SQLite.
DELETE FROM blob
WHERE sha IN (SELECT m FROM media)
  AND sha NOT IN (SELECT thumb_sha FROM media);
