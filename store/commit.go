package store

import (
	"context"
	"sync"
	"time"
)

// maxGroup bounds how many messages share one transaction.
const maxGroup = 256

// committer groups concurrent Ingest calls into shared transactions: while
// one transaction commits, the next requests queue, and they are all written
// by the following transaction. Every caller gets its answer only after the
// transaction holding its message is committed.
type committer struct {
	s    *Store
	reqs chan *ingestReq
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup

	mu     sync.RWMutex // held for reading while a request is queued
	closed bool
}

type ingestReq struct {
	ctx    context.Context
	in     Inbound
	queued time.Time
	reply  chan ingestReply
}

type ingestReply struct {
	res Result
	err error
}

func newCommitter(s *Store) *committer {
	c := &committer{s: s, reqs: make(chan *ingestReq, maxGroup), done: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

func (c *committer) submit(ctx context.Context, in Inbound) (Result, error) {
	req := &ingestReq{ctx: ctx, in: in, queued: time.Now(), reply: make(chan ingestReply, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return Result{}, Errorf(KindInternal, "the store is closing")
	}
	select {
	case c.reqs <- req:
	case <-ctx.Done():
		c.mu.RUnlock()
		return Result{}, ctx.Err()
	}
	c.mu.RUnlock()
	// Once queued, the request is written (the loop drains the queue before
	// it stops), so its answer always comes.
	r := <-req.reply
	return r.res, r.err
}

func (c *committer) loop() {
	defer c.wg.Done()
	batch := make([]*ingestReq, 0, maxGroup)
	for {
		select {
		case <-c.done:
			c.drain()
			return
		case r := <-c.reqs:
			batch = append(batch[:0], r)
		}
	fill:
		for len(batch) < maxGroup {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		c.write(batch)
	}
}

// drain answers everything still queued when the store closes.
func (c *committer) drain() {
	for {
		select {
		case r := <-c.reqs:
			c.write([]*ingestReq{r})
		default:
			return
		}
	}
}

func (c *committer) write(batch []*ingestReq) {
	ins := make([]Inbound, len(batch))
	for i, r := range batch {
		ins[i] = r.in
	}
	res, err := c.s.insertBatch(context.Background(), c.s.prepareAll(ins))
	observe := c.s.observer()
	for i, r := range batch {
		reply := ingestReply{err: err}
		if err == nil {
			reply = ingestReply{res: res[i], err: res[i].Err}
		}
		if observe != nil {
			observe(r.in.Source, reply.res, reply.err, time.Since(r.queued))
		}
		r.reply <- reply
	}
}

func (c *committer) stop() {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		close(c.done)
	})
	c.wg.Wait()
}
