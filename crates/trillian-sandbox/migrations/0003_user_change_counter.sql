-- A counter bumped by every change to the user table, by any connection or process: the
-- `GET users` answer is cached per value of it.
CREATE TABLE user_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO user_changes (id, n) VALUES (1, 0);
CREATE TRIGGER user_changes_insert AFTER INSERT ON user BEGIN
    UPDATE user_changes SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER user_changes_update AFTER UPDATE ON user BEGIN
    UPDATE user_changes SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER user_changes_delete AFTER DELETE ON user BEGIN
    UPDATE user_changes SET n = n + 1 WHERE id = 1;
END;
