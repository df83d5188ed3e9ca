// Package feed publishes the messages of every number, sender and country,
// and of the whole site, as RSS 2.0, Atom 1.0 and JSON Feed 1.1.
//
// Feeds are made to be polled: every answer carries a validator computed
// from a few indexed lookups (the newest message of the listing, its count,
// the latest admin action) before any item is read, so an unchanged feed
// answers 304 without being rendered, and a rendered feed is kept in memory
// under its validator for the next reader that has no copy yet.
package feed

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
	"smsinbox/store/phone"
)

// renderVersion changes whenever the rendered form of a feed changes, so
// that validators given out by an older build stop matching.
const renderVersion = 1

// maxAge is how long readers and proxies may reuse a feed unasked.
const maxAge = 60 * time.Second

// Config configures the feeds.
type Config struct {
	PublicURL string           // base URL of the site, e.g. "https://sms.example.org"
	Now       func() time.Time // clock; time.Now when nil
	Language  string           // language of the feeds' own text; "en" when empty
}

// Handlers serves the feeds.
type Handlers struct {
	st    *store.Store
	base  string
	host  string
	now   func() time.Time
	lang  string
	cache *cache
	memo  *memo
	gen   atomic.Uint64 // counts this process's commits of messages
}

// New makes the feed handlers over st.
func New(st *store.Store, cfg Config) *Handlers {
	h := &Handlers{
		st:    st,
		base:  strings.TrimRight(cfg.PublicURL, "/"),
		now:   cfg.Now,
		lang:  cfg.Language,
		cache: newCache(256, 64<<20),
		memo:  newMemo(memoTTL, 4096),
	}
	st.OnCommit(func(int64) { h.gen.Add(1) })
	if h.now == nil {
		h.now = time.Now
	}
	if h.lang == "" {
		h.lang = "en"
	}
	if u, err := url.Parse(h.base); err == nil && u.Host != "" {
		h.host = u.Host
	} else {
		h.host = "smsinbox"
	}
	return h
}

// format is one of the three feed formats.
type format struct {
	name        string // "rss", "atom", "json"
	suffix      string // URL suffix
	contentType string
}

var (
	formatRSS  = format{"rss", "rss", "application/rss+xml; charset=utf-8"}
	formatAtom = format{"atom", "atom", "application/atom+xml; charset=utf-8"}
	formatJSON = format{"json", "feed.json", "application/feed+json; charset=utf-8"}
	formats    = []format{formatRSS, formatAtom, formatJSON}
)

// Register adds every feed route to e, each named "feed.{scope}.{format}"
// (for example "feed.number.rss"), answering GET and HEAD.
func (h *Handlers) Register(e *echo.Echo) {
	scopes := []struct {
		name    string
		prefix  string
		resolve func(context.Context, echo.Context) (scope, error)
	}{
		{"site", "", h.siteScope},
		{"number", "/number/:digits", h.numberScope},
		{"sender", "/sender/:key", h.senderScope},
		{"country", "/country/:cc", h.countryScope},
	}
	for _, sc := range scopes {
		for _, f := range formats {
			handler := h.serve(sc.resolve, f)
			path := sc.prefix + "/" + f.suffix
			e.GET(path, handler).Name = "feed." + sc.name + "." + f.name
			e.HEAD(path, handler)
		}
	}
}

// scope is one listing a feed publishes, with what its validator needs.
type scope struct {
	key         string // "number:447400123456"
	title       string
	description string
	page        string // URL of the HTML page
	selfPath    string // path of the feed without the format suffix
	filter      store.Filter
	count       int64     // visible messages in the listing
	stamp       string    // metadata the channel shows (label, status)
	since       time.Time // when the listing began, for an empty feed
}

func (h *Handlers) serve(resolve func(context.Context, echo.Context) (scope, error), f format) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		limit, err := parseLimit(c.QueryParam("limit"), c.QueryParams().Has("limit"))
		if err != nil {
			return err
		}
		key := c.Request().URL.Path + "?" + strconv.Itoa(limit)
		gen := h.gen.Load()
		st, ok := h.memo.get(key, gen, h.now())
		if !ok {
			sc, err := resolve(ctx, c)
			if err != nil {
				return err
			}
			v, newest, err := h.validate(ctx, sc, f, limit)
			if err != nil {
				return err
			}
			st = state{sc: sc, v: v, newest: newest}
			h.memo.put(key, st, gen, h.now())
		}
		sc, v, newest := st.sc, st.v, st.newest
		hdr := c.Response().Header()
		hdr.Set(echo.HeaderCacheControl, "public, max-age="+strconv.Itoa(int(maxAge/time.Second)))
		hdr.Set("ETag", v.etag)
		if !v.modified.IsZero() {
			hdr.Set(echo.HeaderLastModified, v.modified.Format(http.TimeFormat))
		}
		if notModified(c.Request(), v) {
			return c.NoContent(http.StatusNotModified)
		}
		if body, ok := h.cache.get(v.etag); ok {
			return c.Blob(http.StatusOK, f.contentType, body)
		}
		sc.filter.Limit = limit
		msgs, err := h.st.Messages(ctx, sc.filter)
		if err != nil {
			return err
		}
		self := h.base + sc.selfPath + "/" + f.suffix
		if limit != store.DefaultLimit {
			self += "?limit=" + strconv.Itoa(limit)
		}
		body, err := h.render(f, sc, self, msgs)
		if err != nil {
			return err
		}
		// Keep the rendering only when it shows the state the validator
		// was computed from; a message stored in between makes it newer.
		if sameTop(msgs, newest) {
			h.cache.put(v.etag, body)
		}
		return c.Blob(http.StatusOK, f.contentType, body)
	}
}

func sameTop(msgs []store.Message, newest *store.Message) bool {
	if newest == nil {
		return len(msgs) == 0
	}
	return len(msgs) > 0 && msgs[0].ID == newest.ID
}

// parseLimit reads ?limit=: absent means the default, anything but a whole
// number from 1 to the maximum is refused.
func parseLimit(raw string, present bool) (int, error) {
	if !present {
		return store.DefaultLimit, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 1 || n > store.MaxLimit {
		return 0, echo.NewHTTPError(http.StatusBadRequest, "limit must be a whole number from 1 to "+strconv.Itoa(store.MaxLimit)+".")
	}
	return n, nil
}

// validator identifies one state of a feed.
type validator struct {
	etag     string
	modified time.Time // zero when unknown
}

// validate computes the feed's validator from cheap lookups only: the
// newest message of the listing, the listing's count (which moves when a
// message is hidden or stored out of order), and the latest admin action.
func (h *Handlers) validate(ctx context.Context, sc scope, f format, limit int) (validator, *store.Message, error) {
	top := sc.filter
	top.Limit = 1
	msgs, err := h.st.Messages(ctx, top)
	if err != nil {
		return validator{}, nil, err
	}
	audit, err := h.st.AuditLog(ctx, 1)
	if err != nil {
		return validator{}, nil, err
	}
	hash := fnv.New128a()
	var buf [8]byte
	num := func(v int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		hash.Write(buf[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		hash.Write([]byte(s))
	}
	num(renderVersion)
	str(f.name)
	num(int64(limit))
	str(sc.key)
	str(sc.stamp)
	num(sc.count)
	modified := sc.since
	var newest *store.Message
	if len(msgs) > 0 {
		newest = &msgs[0]
		num(newest.ID)
		num(newest.ReceivedAt.UnixMilli())
		if newest.StoredAt.After(modified) {
			modified = newest.StoredAt
		}
	}
	if len(audit) > 0 {
		num(audit[0].ID)
		if audit[0].At.After(modified) {
			modified = audit[0].At
		}
	}
	sum := hash.Sum(nil)
	v := validator{etag: `W/"` + hex.EncodeToString(sum) + `"`}
	if !modified.IsZero() {
		v.modified = modified.UTC().Truncate(time.Second)
	}
	return v, newest, nil
}

// notModified applies If-None-Match, or when it is absent
// If-Modified-Since, as RFC 9110 orders them.
func notModified(r *http.Request, v validator) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return etagMatch(inm, v.etag)
	}
	ims := r.Header.Get("If-Modified-Since")
	if ims == "" || v.modified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	if err != nil {
		return false
	}
	return !v.modified.After(t)
}

// etagMatch compares a list of entity tags weakly with ours.
func etagMatch(header, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == want {
			return true
		}
	}
	return false
}

func notFound(err error) error {
	if store.IsNotFound(err) {
		return echo.NewHTTPError(http.StatusNotFound, store.MessageOf(err))
	}
	return err
}

func (h *Handlers) siteScope(ctx context.Context, c echo.Context) (scope, error) {
	nums, err := h.st.Numbers(ctx, store.NumberFilter{})
	if err != nil {
		return scope{}, err
	}
	var count int64
	for _, n := range nums {
		count += n.Messages
	}
	return scope{
		key:         "site",
		title:       "Public SMS inbox at " + h.host,
		description: "Every text message received by the public numbers of " + h.host + ", newest first.",
		page:        h.base + "/",
		selfPath:    "",
		count:       count,
	}, nil
}

func (h *Handlers) numberScope(ctx context.Context, c echo.Context) (scope, error) {
	digits := param(c, "digits")
	digits = strings.TrimPrefix(digits, "+")
	if digits == "" || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
		return scope{}, echo.NewHTTPError(http.StatusNotFound, "There is no number "+strconv.Quote(digits)+".")
	}
	n, err := h.st.Number(ctx, digits)
	if err != nil {
		return scope{}, notFound(err)
	}
	if !n.Published() {
		return scope{}, echo.NewHTTPError(http.StatusNotFound, "There is no number "+n.E164+".")
	}
	pretty := phone.Pretty(n.E164)
	desc := "Text messages received by " + pretty
	if name := phone.CountryName(n.Country); name != n.Country {
		desc += " (" + name + ")"
	}
	desc += ", newest first."
	if n.Label != "" {
		desc = n.Label + ". " + desc
	}
	if n.Status == store.StatusRetired {
		desc += " This number is retired and receives no new messages."
	}
	return scope{
		key:         "number:" + n.Digits(),
		title:       "SMS received by " + pretty,
		description: desc,
		page:        h.base + "/number/" + n.Digits(),
		selfPath:    "/number/" + n.Digits(),
		filter:      store.Filter{NumberID: n.ID},
		count:       n.Messages,
		stamp:       n.Status + "\x00" + n.Label,
		since:       n.AddedAt,
	}, nil
}

func (h *Handlers) senderScope(ctx context.Context, c echo.Context) (scope, error) {
	key := param(c, "key")
	if key == "" || len(key) > store.MaxSenderBytes {
		return scope{}, echo.NewHTTPError(http.StatusNotFound, "There is no such sender.")
	}
	sd, err := h.st.Sender(ctx, key)
	if err != nil {
		return scope{}, notFound(err)
	}
	name := plainName(sd.Display)
	return scope{
		key:         "sender:" + sd.Key,
		title:       "SMS from " + name,
		description: "Text messages sent by " + name + " to the public numbers, newest first.",
		page:        h.base + "/sender/" + url.PathEscape(sd.Key),
		selfPath:    "/sender/" + url.PathEscape(sd.Key),
		filter:      store.Filter{SenderKey: sd.Key},
		count:       sd.Messages,
		stamp:       sd.Display,
		since:       sd.FirstSeen,
	}, nil
}

func (h *Handlers) countryScope(ctx context.Context, c echo.Context) (scope, error) {
	cc := strings.ToLower(param(c, "cc"))
	if len(cc) != 2 || cc[0] < 'a' || cc[0] > 'z' || cc[1] < 'a' || cc[1] > 'z' {
		return scope{}, echo.NewHTTPError(http.StatusNotFound, "There is no country "+strconv.Quote(cc)+".")
	}
	nums, err := h.st.Numbers(ctx, store.NumberFilter{Country: cc})
	if err != nil {
		return scope{}, err
	}
	if len(nums) == 0 {
		return scope{}, echo.NewHTTPError(http.StatusNotFound, "There are no public numbers in "+strings.ToUpper(cc)+".")
	}
	var count int64
	var since time.Time
	for _, n := range nums {
		count += n.Messages
		if since.IsZero() || n.AddedAt.Before(since) {
			since = n.AddedAt
		}
	}
	name := phone.CountryName(strings.ToUpper(cc))
	return scope{
		key:         "country:" + cc,
		title:       "SMS received in " + name,
		description: "Text messages received by the public numbers of " + name + ", newest first.",
		page:        h.base + "/country/" + cc,
		selfPath:    "/country/" + cc,
		filter:      store.Filter{Country: cc},
		count:       count,
		since:       since,
	}, nil
}

// param is a path parameter, decoded once whichever form the router saw.
func param(c echo.Context, name string) string {
	v := c.Param(name)
	if c.Request().URL.RawPath != "" {
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
	}
	return v
}
