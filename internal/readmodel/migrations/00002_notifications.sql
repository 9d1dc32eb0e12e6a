-- The ledger of notifications sent (notify.Ledger): one row a message a
-- channel sent, so a retried activity on any worker sends it no more.

-- +goose Up
CREATE TABLE notifications_sent (
	channel TEXT NOT NULL,
	key     TEXT NOT NULL,
	sent_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	PRIMARY KEY (channel, key)
);

-- +goose Down
DROP TABLE notifications_sent;
