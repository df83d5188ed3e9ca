// Package live tells open pages and waiting API clients about new messages.
//
// One hub per process watches the store: a commit in this process wakes it
// at once, and a short poll of the greatest message id catches commits by
// other processes writing the same database. Each new batch is read once
// and fanned out to every subscriber, so the cost of a message does not
// grow with the number of open pages.
package live

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"smsinbox/store"
)

// buffer is how many messages a subscriber may fall behind before it
// starts losing them.
const buffer = 64

// Hub fans new messages out to subscribers.
type Hub struct {
	st   *store.Store
	poll time.Duration
	log  *slog.Logger
	wake chan struct{}

	mu   sync.Mutex
	subs map[*sub]struct{}
}

type sub struct {
	match func(store.Message) bool
	ch    chan store.Message
}

// New makes a hub over st that checks for other processes' commits every
// poll (250ms when 0).
func New(st *store.Store, poll time.Duration, log *slog.Logger) *Hub {
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	if log == nil {
		log = slog.Default()
	}
	h := &Hub{st: st, poll: poll, log: log, wake: make(chan struct{}, 1), subs: map[*sub]struct{}{}}
	st.OnCommit(func(int64) { h.Wake() })
	return h
}

// Wake makes the hub look for new messages now.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Subscribe returns a channel of every newly committed visible message that
// match accepts (all of them when match is nil), and a function that ends
// the subscription. A subscriber that does not keep up loses messages
// rather than slowing the others.
func (h *Hub) Subscribe(match func(store.Message) bool) (<-chan store.Message, func()) {
	s := &sub{match: match, ch: make(chan store.Message, buffer)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, s)
			h.mu.Unlock()
		})
	}
}

// Subscribers is how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Run watches the store until ctx ends.
func (h *Hub) Run(ctx context.Context) {
	last, err := h.st.LastID(ctx)
	if err != nil {
		h.log.Warn("live updates: reading the newest message failed", "err", err)
	}
	t := time.NewTicker(h.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.wake:
		}
		newest, err := h.st.LastID(ctx)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("live updates: polling failed", "err", err)
			}
			continue
		}
		for newest > last {
			msgs, err := h.st.MessagesAfter(ctx, last, 500)
			if err != nil {
				if ctx.Err() == nil {
					h.log.Warn("live updates: reading new messages failed", "err", err)
				}
				break
			}
			if len(msgs) == 0 {
				last = newest
				break
			}
			h.publish(msgs)
			last = msgs[len(msgs)-1].ID
		}
	}
}

func (h *Hub) publish(msgs []store.Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range msgs {
		for s := range h.subs {
			if s.match != nil && !s.match(m) {
				continue
			}
			select {
			case s.ch <- m:
			default:
			}
		}
	}
}
