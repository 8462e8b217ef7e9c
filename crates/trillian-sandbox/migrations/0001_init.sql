-- Trillian sandbox schema, version 1. Every resource belongs to one domain; domains are isolated.

CREATE TABLE domain (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- A token belongs to one principal of one domain: owner NULL is the administrator, else a user's IM.
CREATE TABLE token (
    token      TEXT PRIMARY KEY,
    domain_id  INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
    owner      TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX token_owner ON token(domain_id, owner);

CREATE TABLE policy (
    id        INTEGER PRIMARY KEY,
    domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX policy_domain ON policy(domain_id, id);

CREATE TABLE grp (
    id          INTEGER PRIMARY KEY,
    domain_id   INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
    displayname TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent      INTEGER NOT NULL DEFAULT 0,
    policy      INTEGER NOT NULL DEFAULT 0,
    priority    INTEGER NOT NULL DEFAULT 0,
    type        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (domain_id, name)
);

-- Directed: group_id's members see peer_id's members.
CREATE TABLE group_peer (
    group_id INTEGER NOT NULL REFERENCES grp(id) ON DELETE CASCADE,
    peer_id  INTEGER NOT NULL REFERENCES grp(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, peer_id)
) WITHOUT ROWID;

CREATE TABLE user (
    id            INTEGER PRIMARY KEY,
    domain_id     INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
    im            TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    displayname   TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    group_id      INTEGER NOT NULL DEFAULT 0,
    policy        INTEGER NOT NULL DEFAULT 0,
    flags         INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    UNIQUE (domain_id, im)
);
CREATE INDEX user_group ON user(group_id);

CREATE TABLE avatar (
    user_id      INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL
);

-- Content-addressed bytes: media data and thumbnails are stored once per SHA-256.
CREATE TABLE blob (
    sha  TEXT PRIMARY KEY,
    data BLOB NOT NULL
) WITHOUT ROWID;

-- owner is a user's IM address or a group chat's name.
CREATE TABLE media (
    id           INTEGER PRIMARY KEY,
    domain_id    INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
    owner        TEXT NOT NULL,
    m            TEXT NOT NULL,
    name         TEXT NOT NULL,
    type         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    thumb_sha    TEXT NOT NULL DEFAULT '',
    image_width  INTEGER NOT NULL DEFAULT 0,
    image_height INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (domain_id, owner, m)
);
CREATE INDEX media_m ON media(m);
CREATE INDEX media_thumb ON media(thumb_sha);

CREATE TABLE groupchat (
    id          INTEGER PRIMARY KEY,
    domain_id   INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    displayname TEXT NOT NULL DEFAULT '',
    flags       INTEGER NOT NULL DEFAULT 0,
    topic       TEXT NOT NULL DEFAULT '',
    UNIQUE (domain_id, name)
);

CREATE TABLE groupchat_member (
    groupchat_id INTEGER NOT NULL REFERENCES groupchat(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    flags        INTEGER NOT NULL DEFAULT 0,
    position     INTEGER NOT NULL,
    PRIMARY KEY (groupchat_id, user_id)
);

-- Groups whose members a group chat is offered to.
CREATE TABLE groupchat_group (
    groupchat_id INTEGER NOT NULL REFERENCES groupchat(id) ON DELETE CASCADE,
    group_id     INTEGER NOT NULL REFERENCES grp(id) ON DELETE CASCADE,
    PRIMARY KEY (groupchat_id, group_id)
) WITHOUT ROWID;

-- A conversation: a group chat's (name = the chat), or between two users (a < b, name NULL).
CREATE TABLE conversation (
    id        INTEGER PRIMARY KEY,
    domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
    conv      TEXT NOT NULL,
    name      TEXT,
    a         TEXT,
    b         TEXT,
    revision  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (domain_id, conv)
);
CREATE INDEX conversation_name ON conversation(domain_id, name);
CREATE INDEX conversation_a ON conversation(domain_id, a);
CREATE INDEX conversation_b ON conversation(domain_id, b);

CREATE TABLE message (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
    year            INTEGER NOT NULL,
    week            INTEGER NOT NULL,
    ts              INTEGER NOT NULL,
    sender          TEXT NOT NULL,
    body            TEXT NOT NULL
);
CREATE INDEX message_week ON message(conversation_id, year, week, ts);

CREATE TABLE presence (
    user_id   INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
    status    INTEGER NOT NULL DEFAULT 0,
    message   TEXT NOT NULL DEFAULT '',
    timestamp INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE device (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    ip       INTEGER NOT NULL,
    name     TEXT NOT NULL,
    platform TEXT NOT NULL,
    version  TEXT NOT NULL,
    build    TEXT NOT NULL
);
CREATE INDEX device_user ON device(user_id);
