-- The figures' read model on PostgreSQL: one row per dossier, its facts
-- as JSON (motcua.Facts), replaced only by a higher seq.

-- +goose Up
CREATE TABLE facts (
	dossier_id  TEXT PRIMARY KEY,
	seq         INTEGER NOT NULL,
	procedure   TEXT NOT NULL,
	received_at BIGINT NOT NULL,
	body        JSONB NOT NULL
);
CREATE INDEX facts_received ON facts (received_at, procedure);

-- +goose Down
DROP TABLE facts;
