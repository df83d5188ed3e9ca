package ops

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// RateLimitConfig sets the per-client request limits.
type RateLimitConfig struct {
	// PerSecond is each client's sustained request rate; 0 turns limits off.
	PerSecond float64
	// Burst is how many requests a client may make at once; at least 1,
	// twice PerSecond (rounded up) when 0.
	Burst int
	// TrustedProxies are the peers whose ProxyHeader names the client.
	TrustedProxies []netip.Prefix
	// ProxyHeader names the client behind a trusted proxy, such as
	// X-Forwarded-For or X-Real-IP.
	ProxyHeader string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxClients bounds how many clients are tracked at once; 100000 when 0.
	MaxClients int
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

type limiter struct {
	cfg     RateLimitConfig
	idle    time.Duration
	mu      sync.Mutex
	clients map[netip.Addr]*client
	swept   time.Time
}

// RateLimit limits each client to a token bucket of cfg.PerSecond requests
// a second. A client over its limit gets 429 with Retry-After. Webhooks
// (/ingest/) and the health and metrics endpoints are not limited. Clients
// idle long enough to have a full bucket again are forgotten, so memory
// stays bounded.
func RateLimit(cfg RateLimitConfig) echo.MiddlewareFunc {
	if cfg.PerSecond <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	l := newLimiter(cfg)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if exempt(c.Request().URL.Path) {
				return next(c)
			}
			addr := bucketOf(ClientAddr(c.Request(), l.cfg.TrustedProxies, l.cfg.ProxyHeader))
			if wait, ok := l.allow(addr); !ok {
				secs := strconv.Itoa(max(int(math.Ceil(wait.Seconds())), 1))
				c.Response().Header().Set("Retry-After", secs)
				return echo.NewHTTPError(http.StatusTooManyRequests, "Too many requests; wait "+secs+" seconds and try again.")
			}
			return next(c)
		}
	}
}

func newLimiter(cfg RateLimitConfig) *limiter {
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(math.Ceil(2*cfg.PerSecond)))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 100000
	}
	// After this long without requests a client's bucket is full again, so
	// forgetting it changes nothing.
	idle := time.Duration(float64(cfg.Burst) / cfg.PerSecond * float64(time.Second))
	idle = max(idle, time.Minute)
	return &limiter{cfg: cfg, idle: idle, clients: map[netip.Addr]*client{}}
}

// bucketOf is the address a client's requests are counted under: an IPv4
// address itself, and for IPv6 its /64 network, since one subscriber is
// usually given a whole /64 and could otherwise take a new bucket for
// every request.
func bucketOf(a netip.Addr) netip.Addr {
	if !a.Is6() {
		return a
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a
	}
	return p.Addr()
}

func exempt(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/ingest/")
}

// allow takes a token of addr's bucket, or says how long until one is there.
func (l *limiter) allow(addr netip.Addr) (time.Duration, bool) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	cl := l.clients[addr]
	if cl == nil {
		cl = &client{lim: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)}
		l.clients[addr] = cl
	}
	cl.seen = now
	r := cl.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Second, false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// sweep forgets idle clients now and then, and the least recently seen ones
// when too many are tracked.
func (l *limiter) sweep(now time.Time) {
	if len(l.clients) < l.cfg.MaxClients && now.Sub(l.swept) < l.idle {
		return
	}
	l.swept = now
	for a, cl := range l.clients {
		if now.Sub(cl.seen) >= l.idle {
			delete(l.clients, a)
		}
	}
	if len(l.clients) < l.cfg.MaxClients {
		return
	}
	// Still full of active clients: drop the older half.
	var total time.Duration
	for _, cl := range l.clients {
		total += now.Sub(cl.seen)
	}
	mean := total / time.Duration(len(l.clients))
	for a, cl := range l.clients {
		if now.Sub(cl.seen) >= mean {
			delete(l.clients, a)
		}
	}
}

// tracked is how many clients the limiter remembers.
func (l *limiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// ClientAddr is the address of the client that made r: the peer, or, when
// the peer is a trusted proxy, the address the proxy header names (the
// right-most address in X-Forwarded-For that is not itself a trusted
// proxy, or the left-most when every one is).
func ClientAddr(r *http.Request, trusted []netip.Prefix, header string) netip.Addr {
	peer := peerAddr(r.RemoteAddr)
	if header == "" || !isTrusted(peer, trusted) {
		return peer
	}
	values := r.Header.Values(header)
	var hops []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a := peerAddr(hops[i])
		if !a.IsValid() {
			return peer
		}
		if !isTrusted(a, trusted) || i == 0 {
			return a
		}
	}
	return peer
}

func peerAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
