package web

import (
	"context"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
)

// stateMaxAge is the longest the site uses its copy of the numbers list
// without reading it again. Changes made through this process (messages
// stored, admin actions, webhooks) renew the copy at once; this bounds how
// late a change made only by another process (a modem worker or import
// writing the same SQLite file, a number labelled or retired from the
// command line) shows on the home and country pages.
const stateMaxAge = time.Second

// numbersState is the list of published numbers as the home and country
// pages show it, with a digest of it for their validators.
type numbersState struct {
	gen     uint64
	read    time.Time
	nums    []store.Number // active and retired, as store.Numbers lists them
	byE164  map[string]int // index in nums
	digest  uint64         // of every field a page shows, in order
	lastMod time.Time      // the newest last message
	// byCountry holds each country's part of the list, by lower-case code.
	byCountry map[string]*countryNumbers
}

// countryNumbers is one country's numbers, in the list's order.
type countryNumbers struct {
	active, retired []store.Number
	digest          uint64
	lastMod         time.Time
}

// senderMemo is a sender as read at one generation.
type senderMemo struct {
	gen  uint64
	read time.Time
	sd   store.Sender
}

// maxSenderMemos bounds the senders kept between requests; the memo is
// emptied when it is full.
const maxSenderMemos = 4096

// stateCache keeps the numbers list between requests.
type stateCache struct {
	gen    atomic.Uint64 // bumped by every change the site learns of
	maxAge time.Duration

	mu  sync.Mutex // held while reading, so that one request reads for all
	cur atomic.Pointer[numbersState]

	smu     sync.Mutex
	senders map[string]senderMemo
}

// valid reports whether something read at gen and time read may still be
// used.
func (sc *stateCache) valid(gen uint64, read time.Time) bool {
	return gen == sc.gen.Load() && time.Since(read) < sc.maxAge
}

// changed makes the next request read the store again.
func (sc *stateCache) changed() { sc.gen.Add(1) }

// Changed tells the site that data changed by means it does not see (a
// direct store call in this process), so that its listings read the store
// again at once rather than within a second. Messages stored in this
// process and requests that change data through the server are seen
// without it.
func (s *Server) Changed() { s.state.changed() }

// numbers is the current numbers list.
func (s *Server) numbers(ctx context.Context) (*numbersState, error) {
	sc := &s.state
	fresh := func(ns *numbersState) bool { return ns != nil && sc.valid(ns.gen, ns.read) }
	if ns := sc.cur.Load(); fresh(ns) {
		return ns, nil
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if ns := sc.cur.Load(); fresh(ns) {
		return ns, nil
	}
	gen := sc.gen.Load()
	read := time.Now()
	nums, err := s.st.Numbers(ctx, store.NumberFilter{})
	if err != nil {
		return nil, err
	}
	ns := &numbersState{gen: gen, read: read, nums: nums, byE164: make(map[string]int, len(nums)), byCountry: map[string]*countryNumbers{}}
	v := &validator{h: fnv.New64a()}
	perCountry := map[string]*validator{}
	for i, n := range nums {
		ns.byE164[n.E164] = i
		v.str(n.E164)
		v.number(n)
		iso := strings.ToLower(n.Country)
		cn := ns.byCountry[iso]
		if cn == nil {
			cn = &countryNumbers{}
			ns.byCountry[iso] = cn
			perCountry[iso] = &validator{h: fnv.New64a()}
		}
		if n.Status == store.StatusActive {
			cn.active = append(cn.active, n)
		} else {
			cn.retired = append(cn.retired, n)
		}
		cv := perCountry[iso]
		cv.str(n.E164)
		cv.number(n)
	}
	ns.digest, ns.lastMod = v.h.Sum64(), v.lastMod
	for iso, cv := range perCountry {
		ns.byCountry[iso].digest, ns.byCountry[iso].lastMod = cv.h.Sum64(), cv.lastMod
	}
	sc.cur.Store(ns)
	return ns, nil
}

// number164 finds a number by its E.164 form: from the list when
// it is active or retired, from the store otherwise (a pending number, or
// none).
func (s *Server) number164(ctx context.Context, e164 string) (store.Number, error) {
	ns, err := s.numbers(ctx)
	if err != nil {
		return store.Number{}, err
	}
	if i, ok := ns.byE164[e164]; ok {
		return ns.nums[i], nil
	}
	return s.st.Number(ctx, e164)
}

// senderByKey finds a sender by key, as store.Sender does.
func (s *Server) senderByKey(ctx context.Context, key string) (store.Sender, error) {
	sc := &s.state
	sc.smu.Lock()
	m, ok := sc.senders[key]
	sc.smu.Unlock()
	if ok && sc.valid(m.gen, m.read) {
		return m.sd, nil
	}
	gen, read := sc.gen.Load(), time.Now()
	sd, err := s.st.Sender(ctx, key)
	if err != nil {
		return sd, err
	}
	sc.smu.Lock()
	if sc.senders == nil || len(sc.senders) >= maxSenderMemos {
		sc.senders = map[string]senderMemo{}
	}
	sc.senders[key] = senderMemo{gen: gen, read: read, sd: sd}
	sc.smu.Unlock()
	return sd, nil
}

// country is one country's part of the list (iso in lower case); nil
// when it has no numbers.
func (ns *numbersState) country(iso string) *countryNumbers { return ns.byCountry[iso] }

// watchChanges renews the numbers list when messages are stored by this
// process (on PostgreSQL, by any node).
func (s *Server) watchChanges() {
	s.st.OnCommit(func(int64) { s.state.changed() })
}

// noteChanges is the middleware that marks the state changed after a
// request that may have changed data succeeded.
func (s *Server) noteChanges(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if err == nil && c.Response().Status < 400 {
				s.state.changed()
			}
		}
		return err
	}
}
