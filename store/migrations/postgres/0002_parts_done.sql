-- Parts that became a message, by their source's id, so that a part sent
-- again after its message was stored is recognised as a duplicate.
CREATE TABLE parts_done (
	source     TEXT NOT NULL,
	source_id  TEXT NOT NULL,
	message_id BIGINT NOT NULL,
	done_at    BIGINT NOT NULL,
	PRIMARY KEY (source, source_id)
);
CREATE INDEX parts_done_age ON parts_done (done_at);

-- Binary content of a part (such as a multi-part WAP push).
ALTER TABLE parts ADD COLUMN data BYTEA;

-- The numbers a sender reached, most recent first, for its page.
CREATE INDEX sender_numbers_recent ON sender_numbers (sender_id, last_at DESC);
