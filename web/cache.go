package web

import (
	"container/list"
	"fmt"
	"sync"
	"time"
)

// DefaultPageCacheBytes is the memory the page cache may hold when
// Config.PageCacheBytes is 0.
const DefaultPageCacheBytes = 64 << 20

// pageTTL is the longest a rendered page is served from the cache while
// its validator is unchanged: as long as shared caches may keep it
// (pageCache), so that relative times ("5 minutes ago") are never older
// than that.
const pageTTL = 15 * time.Second

// renderedPage is a page rendered once, kept plain and gzipped.
type renderedPage struct {
	key   string
	made  time.Time
	plain []byte
	gz    []byte // nil when the page is too small to be worth compressing
}

// cost is what the page counts against the cache's memory bound: its
// bytes and a little for the bookkeeping.
func (p *renderedPage) cost() int64 { return int64(len(p.key)+len(p.plain)+len(p.gz)) + 256 }

// pageStore keeps rendered pages by validator, least recently used
// dropped first, within a memory bound. A page whose content changes gets
// a new validator and so a new key; its old rendering ages out.
type pageStore struct {
	max int64
	ttl time.Duration

	mu       sync.Mutex
	used     int64
	lru      *list.List // of *renderedPage, most recently used in front
	items    map[string]*list.Element
	inflight map[string]*flight
	hits     int64
	misses   int64
}

// flight is one rendering that requests for the same page wait on.
type flight struct {
	done chan struct{}
	page *renderedPage
	err  error
}

func newPageStore(max int64, ttl time.Duration) *pageStore {
	return &pageStore{max: max, ttl: ttl, lru: list.New(), items: map[string]*list.Element{}, inflight: map[string]*flight{}}
}

// get finds a page rendered less than ttl before now.
func (ps *pageStore) get(key string, now time.Time) *renderedPage {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.getLocked(key, now)
}

func (ps *pageStore) getLocked(key string, now time.Time) *renderedPage {
	el, ok := ps.items[key]
	if !ok {
		return nil
	}
	p := el.Value.(*renderedPage)
	if now.Sub(p.made) >= ps.ttl || now.Before(p.made) {
		ps.removeLocked(el)
		return nil
	}
	ps.lru.MoveToFront(el)
	return p
}

// put keeps p, dropping the least recently used pages to stay within the
// bound. A page larger than an eighth of the bound is not kept.
func (ps *pageStore) put(p *renderedPage) {
	c := p.cost()
	if c > ps.max/8 {
		return
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if el, ok := ps.items[p.key]; ok {
		ps.removeLocked(el)
	}
	ps.items[p.key] = ps.lru.PushFront(p)
	ps.used += c
	for ps.used > ps.max {
		ps.removeLocked(ps.lru.Back())
	}
}

func (ps *pageStore) removeLocked(el *list.Element) {
	p := ps.lru.Remove(el).(*renderedPage)
	delete(ps.items, p.key)
	ps.used -= p.cost()
}

// load gives the cached page of key, or renders it with render and keeps
// it. Requests for a page being rendered wait for that rendering rather
// than render it again, unless it fails.
func (ps *pageStore) load(key string, now time.Time, render func() (*renderedPage, error)) (*renderedPage, error) {
	ps.mu.Lock()
	if p := ps.getLocked(key, now); p != nil {
		ps.hits++
		ps.mu.Unlock()
		return p, nil
	}
	ps.misses++
	if f, ok := ps.inflight[key]; ok {
		ps.mu.Unlock()
		<-f.done
		if f.err == nil {
			return f.page, nil
		}
		return render()
	}
	f := &flight{done: make(chan struct{})}
	ps.inflight[key] = f
	ps.mu.Unlock()

	func() {
		defer func() {
			if r := recover(); r != nil {
				f.page, f.err = nil, fmt.Errorf("rendering the page failed: %v", r)
			}
		}()
		f.page, f.err = render()
	}()
	ps.mu.Lock()
	delete(ps.inflight, key)
	ps.mu.Unlock()
	close(f.done)
	if f.err == nil {
		ps.put(f.page)
	}
	return f.page, f.err
}

// stats reports the cache's use, for tests and metrics.
func (ps *pageStore) stats() (pages int, used, hits, misses int64) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.lru.Len(), ps.used, ps.hits, ps.misses
}
