package admin

import (
	"sync"
	"time"
)

// Wrong passwords are slowed down per client: the first few are free, then
// each further one makes the client wait twice as long as the one before,
// up to maxDelay. A client is forgotten after forget without failures.
const (
	freeFailures = 3
	firstDelay   = time.Second
	maxDelay     = 15 * time.Minute
	forget       = time.Hour
	maxClients   = 10000
)

type failure struct {
	count int
	last  time.Time
}

type failures struct {
	mu sync.Mutex
	m  map[string]*failure
}

func newFailures() *failures { return &failures{m: map[string]*failure{}} }

func delayAfter(count int) time.Duration {
	if count < freeFailures {
		return 0
	}
	d := firstDelay
	for i := freeFailures; i < count && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// wait is how long client must still wait before its next attempt.
func (f *failures) wait(client string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.m[client]
	if e == nil {
		return 0
	}
	if d := e.last.Add(delayAfter(e.count)).Sub(now); d > 0 {
		return d
	}
	return 0
}

// fail records a wrong password and returns the client's failure count.
func (f *failures) fail(client string, now time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.m) >= maxClients {
		for k, e := range f.m {
			if now.Sub(e.last) > forget {
				delete(f.m, k)
			}
		}
		if len(f.m) >= maxClients {
			// Every tracked client failed within the hour: forget one
			// at random rather than grow.
			for k := range f.m {
				delete(f.m, k)
				break
			}
		}
	}
	e := f.m[client]
	if e == nil || now.Sub(e.last) > forget {
		e = &failure{}
		f.m[client] = e
	}
	e.count++
	e.last = now
	return e.count
}

func (f *failures) reset(client string) {
	f.mu.Lock()
	delete(f.m, client)
	f.mu.Unlock()
}
