-- Numbers the site receives on. A pending number has messages but was never
-- added by the operator; its messages stay unpublished until it is.
CREATE TABLE numbers (
	id              INTEGER PRIMARY KEY,
	e164            TEXT NOT NULL UNIQUE,
	country         TEXT NOT NULL,
	label           TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL CHECK (status IN ('pending', 'active', 'retired')),
	added_at        INTEGER NOT NULL,
	last_message_at INTEGER NOT NULL DEFAULT 0,
	messages        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX numbers_country ON numbers (country, status, last_message_at);

CREATE TABLE senders (
	id         INTEGER PRIMARY KEY,
	key        TEXT NOT NULL UNIQUE,
	display    TEXT NOT NULL,
	messages   INTEGER NOT NULL DEFAULT 0,
	first_seen INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL DEFAULT 0,
	blocked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX senders_recent ON senders (last_seen DESC, id DESC) WHERE messages > 0;
CREATE INDEX senders_busy ON senders (messages DESC, id DESC) WHERE messages > 0;

-- received_at, sent_at and stored_at are Unix milliseconds; sent_at is 0
-- when unknown. visible is 1 when the message is published and not hidden:
-- every public listing reads the partial indexes on it.
CREATE TABLE messages (
	id          INTEGER PRIMARY KEY,
	number_id   INTEGER NOT NULL REFERENCES numbers (id),
	sender_id   INTEGER NOT NULL REFERENCES senders (id),
	country     TEXT NOT NULL,
	sender_raw  TEXT NOT NULL,
	body        TEXT NOT NULL,
	binary      BLOB,
	sent_at     INTEGER NOT NULL DEFAULT 0,
	received_at INTEGER NOT NULL,
	stored_at   INTEGER NOT NULL,
	source      TEXT NOT NULL,
	source_id   TEXT NOT NULL DEFAULT '',
	dedupe      BLOB NOT NULL UNIQUE,
	code        TEXT NOT NULL DEFAULT '',
	template_id INTEGER NOT NULL DEFAULT 0,
	parts       INTEGER NOT NULL DEFAULT 1,
	incomplete  INTEGER NOT NULL DEFAULT 0,
	hidden      INTEGER NOT NULL DEFAULT 0,
	hidden_by   TEXT NOT NULL DEFAULT '',
	hidden_why  TEXT NOT NULL DEFAULT '',
	visible     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_latest ON messages (received_at DESC, id DESC) WHERE visible = 1;
CREATE INDEX messages_number ON messages (number_id, received_at DESC, id DESC) WHERE visible = 1;
CREATE INDEX messages_sender ON messages (sender_id, received_at DESC, id DESC) WHERE visible = 1;
CREATE INDEX messages_country ON messages (country, received_at DESC, id DESC) WHERE visible = 1;
-- Messages that are not visible (unpublished numbers, hidden ones) are few:
-- publishing a number and purging old ones find them here.
CREATE INDEX messages_invisible ON messages (received_at, id) WHERE visible = 0;

-- Per-sender message formats, kept with every insert and hide.
CREATE TABLE templates (
	id          INTEGER PRIMARY KEY,
	sender_id   INTEGER NOT NULL REFERENCES senders (id),
	template    TEXT NOT NULL,
	code_length INTEGER NOT NULL,
	alphabet    TEXT NOT NULL,
	language    TEXT NOT NULL,
	messages    INTEGER NOT NULL DEFAULT 0,
	example_id  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (sender_id, template)
);
CREATE INDEX templates_sender ON templates (sender_id, messages DESC);

-- Delivery delay histogram per sender: bucket is a whole number of seconds
-- (capped), so percentiles are read without scanning messages.
CREATE TABLE sender_delays (
	sender_id INTEGER NOT NULL REFERENCES senders (id),
	bucket    INTEGER NOT NULL,
	messages  INTEGER NOT NULL,
	PRIMARY KEY (sender_id, bucket)
) WITHOUT ROWID;

-- Which numbers each sender reached.
CREATE TABLE sender_numbers (
	sender_id INTEGER NOT NULL REFERENCES senders (id),
	number_id INTEGER NOT NULL REFERENCES numbers (id),
	messages  INTEGER NOT NULL,
	last_at   INTEGER NOT NULL,
	PRIMARY KEY (sender_id, number_id)
) WITHOUT ROWID;

-- Pieces of multi-part messages whose source did not reassemble them.
CREATE TABLE parts (
	id          INTEGER PRIMARY KEY,
	group_key   TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	total       INTEGER NOT NULL,
	to_number   TEXT NOT NULL,
	sender_raw  TEXT NOT NULL,
	source      TEXT NOT NULL,
	source_id   TEXT NOT NULL,
	text        TEXT NOT NULL,
	ucs2        BLOB,
	sent_at     INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	first_at    INTEGER NOT NULL,
	UNIQUE (group_key, seq)
);
CREATE INDEX parts_age ON parts (first_at);

CREATE TABLE audit_log (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT ''
);

-- Full-text search over visible message bodies.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
	body,
	content = '',
	contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
