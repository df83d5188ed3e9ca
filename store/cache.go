package store

import (
	"context"
	"database/sql"
	"sync"
)

// rowCache keeps the ids of numbers, senders and formats between write
// transactions on SQLite, so that a message costs fewer statements. Rows
// enter it only after their transaction committed, and it is emptied when
// this process changes a number or a sender otherwise (every write through
// Store.tx) and when another process wrote to the file (PRAGMA data_version
// of the writer connection moved).
type rowCache struct {
	mu        sync.Mutex
	gen       int64 // bumped by every clear
	version   int64
	numbers   map[string]numberRow
	senders   map[string]senderRow
	templates map[templateKey]int64
}

// maxCached bounds each of the cache's maps.
const maxCached = 200000

func (c *rowCache) clear() {
	c.mu.Lock()
	c.numbers, c.senders, c.templates = nil, nil, nil
	c.gen++
	c.mu.Unlock()
}

// check empties the cache when another connection committed since the
// cache was last filled, and returns the generation that the transaction's
// rows may later be kept under. It runs at the start of a write
// transaction.
func (c *rowCache) check(ctx context.Context, tx *sql.Tx) (int64, error) {
	var v int64
	if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v != c.version {
		c.numbers, c.senders, c.templates = nil, nil, nil
		c.gen++
		c.version = v
	}
	return c.gen, nil
}

func (c *rowCache) number(e164 string) (numberRow, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.numbers[e164]
	return n, ok
}

func (c *rowCache) sender(key string) (senderRow, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.senders[key]
	return r, ok
}

func (c *rowCache) template(k templateKey) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.templates[k]
	return id, ok
}

// keep adds what a committed transaction learned, unless the cache was
// emptied since the transaction began (its rows may be out of date).
func (c *rowCache) keep(gen int64, w *writer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.numbers == nil || len(c.numbers) > maxCached {
		c.numbers = map[string]numberRow{}
	}
	if c.senders == nil || len(c.senders) > maxCached {
		c.senders = map[string]senderRow{}
	}
	if c.templates == nil || len(c.templates) > maxCached {
		c.templates = map[templateKey]int64{}
	}
	for k, v := range w.numbers {
		c.numbers[k] = v
	}
	for k, v := range w.senders {
		c.senders[k] = v
	}
	for k, v := range w.templates {
		c.templates[k] = v
	}
}
