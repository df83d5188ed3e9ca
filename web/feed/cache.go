package feed

import (
	"sync"
	"time"

	"smsinbox/store"
)

// cache keeps rendered feeds by validator, so that a reader without a copy
// of an unchanged feed gets it without a second rendering. It holds at most
// entries feeds and bytes of them, dropping the oldest first.
type cache struct {
	mu       sync.Mutex
	entries  int
	maxBytes int
	bytes    int
	items    map[string][]byte
	order    []string // insertion order, oldest first
}

func newCache(entries, maxBytes int) *cache {
	return &cache{entries: entries, maxBytes: maxBytes, items: make(map[string][]byte)}
}

func (c *cache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	b, ok := c.items[key]
	c.mu.Unlock()
	return b, ok
}

func (c *cache) put(key string, body []byte) {
	if c.entries <= 0 || len(body) > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	for len(c.order) > 0 && (len(c.order) >= c.entries || c.bytes+len(body) > c.maxBytes) {
		old := c.order[0]
		c.order = c.order[1:]
		c.bytes -= len(c.items[old])
		delete(c.items, old)
	}
	c.items[key] = body
	c.order = append(c.order, key)
	c.bytes += len(body)
}

// memoTTL is how long a feed's validator is reused without asking the
// database again. A message stored by this process ends it at once; a
// change made by another process, or an admin action, shows within it.
const memoTTL = time.Second

// state is what answering a feed needs before rendering: the listing and
// its validator.
type state struct {
	sc     scope
	v      validator
	newest *store.Message
}

// memo keeps the state of recently asked feeds for a short time, so that
// many readers polling one feed cost one validation a second.
type memo struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	items map[string]memoEntry
}

type memoEntry struct {
	st  state
	gen uint64
	at  time.Time
}

func newMemo(ttl time.Duration, max int) *memo {
	return &memo{ttl: ttl, max: max, items: make(map[string]memoEntry)}
}

func (m *memo) get(key string, gen uint64, now time.Time) (state, bool) {
	if m.ttl <= 0 {
		return state{}, false
	}
	m.mu.Lock()
	e, ok := m.items[key]
	m.mu.Unlock()
	if !ok || e.gen != gen || now.Sub(e.at) >= m.ttl || now.Before(e.at) {
		return state{}, false
	}
	return e.st, true
}

func (m *memo) put(key string, st state, gen uint64, now time.Time) {
	if m.ttl <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.items) >= m.max {
		for k, e := range m.items {
			if e.gen != gen || now.Sub(e.at) >= m.ttl {
				delete(m.items, k)
			}
		}
		if len(m.items) >= m.max {
			clear(m.items)
		}
	}
	m.items[key] = memoEntry{st: st, gen: gen, at: now}
}
