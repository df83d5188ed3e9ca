// Package api is the JSON API under /api/v1: numbers, senders, countries
// and messages, with keyset pages and long-polling for new messages.
package api

import (
	"context"
	_ "embed"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"smsinbox/store"
	"smsinbox/store/phone"
	"smsinbox/web/live"
)

// OpenAPI is the OpenAPI 3 description of the API, served at
// /api/v1/openapi.json (docs/openapi.json is the same file).
//
//go:embed openapi.json
var OpenAPI []byte

// Config tunes the API.
type Config struct {
	// PublicURL is the site's base URL, for the url fields; relative links
	// when empty.
	PublicURL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxWait caps the wait parameter; 60s when 0.
	MaxWait time.Duration
	// Registerer takes the API's metrics (waiting requests); none when nil.
	Registerer prometheus.Registerer
	// Stop, when closed, ends every wait at once with what has arrived
	// (usually nothing), so that a stopping server need not wait for
	// them; waits last their full time when nil.
	Stop <-chan struct{}
}

// Handlers answers the API.
type Handlers struct {
	st      *store.Store
	hub     *live.Hub
	cfg     Config
	base    string
	waiting atomic.Int64
}

// New makes the API over st; hub tells waiting requests of new messages.
func New(st *store.Store, hub *live.Hub, cfg Config) *Handlers {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 60 * time.Second
	}
	h := &Handlers{st: st, hub: hub, cfg: cfg, base: strings.TrimRight(cfg.PublicURL, "/")}
	if cfg.Registerer != nil {
		g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "smsinbox_api_waiting_requests",
			Help: "API requests waiting for a new message (wait=).",
		}, func() float64 { return float64(h.waiting.Load()) })
		if err := cfg.Registerer.Register(g); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				panic(err)
			}
		}
	}
	return h
}

// Waiting is how many requests are waiting for a new message.
func (h *Handlers) Waiting() int { return int(h.waiting.Load()) }

// Register adds the API's routes to e.
func (h *Handlers) Register(e *echo.Echo) {
	g := e.Group("/api/v1", cors)
	route := func(path, name string, fn echo.HandlerFunc) {
		g.GET(path, fn).Name = name
	}
	route("/openapi.json", "api.openapi", h.openapi)
	route("/numbers", "api.numbers", h.numbers)
	route("/numbers/:digits", "api.number", h.number)
	route("/numbers/:digits/messages", "api.number.messages", h.numberMessages)
	route("/senders", "api.senders", h.senders)
	route("/senders/:key", "api.sender", h.sender)
	route("/senders/:key/messages", "api.sender.messages", h.senderMessages)
	route("/messages", "api.messages", h.messages)
	route("/countries", "api.countries", h.countries)
	route("/search", "api.search", h.search)
}

// cors lets any web page read the API: it is public and takes no
// credentials.
func cors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		if c.Request().Method == http.MethodOptions {
			hd.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
			hd.Set("Access-Control-Allow-Headers", "Accept, Content-Type")
			hd.Set("Access-Control-Max-Age", "86400")
			return c.NoContent(http.StatusNoContent)
		}
		hd.Set("Cache-Control", "no-cache")
		return next(c)
	}
}

func invalid(format string, args ...any) error {
	return store.Errorf(store.KindInvalid, format, args...)
}

func (h *Handlers) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/json", OpenAPI)
}

var countryRe = regexp.MustCompile(`^[A-Za-z]{2}$`)

func (h *Handlers) numbers(c echo.Context) error {
	if err := known(c, "country", "status"); err != nil {
		return err
	}
	f := store.NumberFilter{Country: c.QueryParam("country"), Status: c.QueryParam("status")}
	if f.Country != "" && !countryRe.MatchString(f.Country) {
		return invalid("country must be a two-letter ISO 3166-1 code such as gb, not %q.", clip(f.Country))
	}
	switch f.Status {
	case "", store.StatusActive, store.StatusRetired:
	default:
		return invalid("status must be active or retired, not %q.", clip(f.Status))
	}
	ns, err := h.st.Numbers(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]number, 0, len(ns))
	for _, n := range ns {
		if n.Published() {
			items = append(items, h.numberOf(n))
		}
	}
	return c.JSON(http.StatusOK, newList(items, ""))
}

var digitsRe = regexp.MustCompile(`^\+?[0-9]{3,15}$`)

// findNumber returns the published number of the digits path parameter.
func (h *Handlers) findNumber(c echo.Context) (store.Number, error) {
	d := c.Param("digits")
	if !digitsRe.MatchString(d) {
		return store.Number{}, store.Errorf(store.KindNotFound, "there is no number %q; numbers are given as their E.164 digits, such as 447400123456.", clip(d))
	}
	n, err := h.st.Number(c.Request().Context(), strings.TrimPrefix(d, "+"))
	if err != nil {
		return n, err
	}
	if !n.Published() {
		return n, store.Errorf(store.KindNotFound, "there is no number +%s", strings.TrimPrefix(d, "+"))
	}
	return n, nil
}

func (h *Handlers) number(c echo.Context) error {
	n, err := h.findNumber(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.numberOf(n))
}

func (h *Handlers) numberMessages(c echo.Context) error {
	if err := known(c, "before", "after", "from", "limit", "wait"); err != nil {
		return err
	}
	n, err := h.findNumber(c)
	if err != nil {
		return err
	}
	p, err := h.listParams(c)
	if err != nil {
		return err
	}
	p.f.NumberID = n.ID
	if from := strings.TrimSpace(c.QueryParam("from")); from != "" {
		key, err := senderKey(from, n.Country)
		if err != nil {
			return err
		}
		p.f.SenderKey = key
	}
	return h.list(c, p)
}

// senderKey reads a from parameter: a sender key, or a sender as it shows
// ("WhatsApp", "+49 176 1234 5678"), read in the receiving number's country.
func senderKey(from, region string) (string, error) {
	if isDigits(from) {
		return from, nil
	}
	key, _, _, err := phone.SenderKey(from, region)
	if err != nil {
		return "", invalid("from is not a sender: %s.", err.Error())
	}
	return key, nil
}

// pathKey is the sender key of the path, normalized as keys are ("WhatsApp"
// finds whatsapp).
func pathKey(c echo.Context) (string, error) {
	k := c.Param("key")
	if isDigits(k) {
		return k, nil
	}
	key, _, _, err := phone.SenderKey(k, "")
	if err != nil {
		return "", store.Errorf(store.KindNotFound, "there is no sender %q.", clip(k))
	}
	return key, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (h *Handlers) senderMessages(c echo.Context) error {
	if err := known(c, "before", "after", "limit", "wait"); err != nil {
		return err
	}
	p, err := h.listParams(c)
	if err != nil {
		return err
	}
	key, err := pathKey(c)
	if err != nil {
		return err
	}
	// A client may wait for the first message of a sender never seen yet;
	// otherwise an unknown sender is not found.
	if p.wait == 0 {
		if _, err := h.st.Sender(c.Request().Context(), key); err != nil {
			return err
		}
	}
	p.f.SenderKey = key
	return h.list(c, p)
}

func (h *Handlers) messages(c echo.Context) error {
	if err := known(c, "before", "after", "limit", "wait"); err != nil {
		return err
	}
	p, err := h.listParams(c)
	if err != nil {
		return err
	}
	return h.list(c, p)
}

type listParams struct {
	f    store.Filter
	wait time.Duration
}

func (h *Handlers) listParams(c echo.Context) (listParams, error) {
	var p listParams
	var err error
	if p.f.Before, err = idParam(c, "before"); err != nil {
		return p, err
	}
	if p.f.After, err = idParam(c, "after"); err != nil {
		return p, err
	}
	if p.f.Limit, err = limitParam(c); err != nil {
		return p, err
	}
	if w := c.QueryParam("wait"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil {
			secs, err2 := strconv.Atoi(w)
			if err2 != nil {
				return p, invalid("wait must be a duration such as 30s, not %q.", clip(w))
			}
			d = time.Duration(secs) * time.Second
		}
		if d < 0 {
			return p, invalid("wait must not be negative.")
		}
		p.wait = min(d, h.cfg.MaxWait)
		if p.wait > 0 && p.f.After == 0 {
			return p, invalid("wait needs after: the id of the newest message you have (0 is not an id; take message_id of the newest item of a listing).")
		}
		if p.wait > 0 && p.f.Before > 0 {
			return p, invalid("wait cannot be combined with before.")
		}
	}
	return p, nil
}

func idParam(c echo.Context, name string) (int64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalid("%s must be a message id (a positive integer), not %q.", name, clip(v))
	}
	return id, nil
}

func limitParam(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return store.DefaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > store.MaxLimit {
		return 0, invalid("limit must be a whole number from 1 to %d, not %q.", store.MaxLimit, clip(v))
	}
	return n, nil
}

// known refuses query parameters the endpoint does not take, so that a
// misspelt filter does not silently answer everything. Parameters starting
// with "_" (cache busters) are let through.
func known(c echo.Context, names ...string) error {
	for k := range c.QueryParams() {
		ok := strings.HasPrefix(k, "_")
		for _, n := range names {
			if k == n {
				ok = true
				break
			}
		}
		if !ok {
			return invalid("unknown parameter %q; this endpoint takes %s.", clip(k), strings.Join(names, ", "))
		}
	}
	return nil
}

// clip shortens user input quoted back in an error.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r) + "…"
}

// list answers a listing of messages. With wait (and after), a request
// that finds nothing new subscribes to the hub before it reads, so that no
// message committed in between is missed, and then waits on its
// subscription: waiting requests cost no queries, however many there are.
func (h *Handlers) list(c echo.Context, p listParams) error {
	ctx := c.Request().Context()
	if p.wait == 0 || h.hub == nil {
		ms, err := h.st.Messages(ctx, p.f)
		if err != nil {
			return err
		}
		return h.answer(c, ms, p.f.Limit)
	}
	f := p.f
	ch, cancel := h.hub.Subscribe(func(m store.Message) bool {
		return m.ID > f.After &&
			(f.NumberID == 0 || m.NumberID == f.NumberID) &&
			(f.SenderKey == "" || m.SenderKey == f.SenderKey)
	})
	defer cancel()
	ms, err := h.st.Messages(ctx, f)
	if err != nil {
		return err
	}
	if len(ms) > 0 {
		return h.answer(c, ms, f.Limit)
	}
	// The server's write timeout may be shorter than the wait; give this
	// answer the time it needs (where the writer cannot, the server's
	// timeout stands).
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(p.wait + 15*time.Second))
	ms, err = h.await(ctx, ch, p.wait, f.Limit)
	if err != nil {
		return err
	}
	return h.answer(c, ms, f.Limit)
}

// await waits up to d for the first message on ch, then takes the others
// already there.
func (h *Handlers) await(ctx context.Context, ch <-chan store.Message, d time.Duration, limit int) ([]store.Message, error) {
	h.waiting.Add(1)
	defer h.waiting.Add(-1)
	t := time.NewTimer(d)
	defer t.Stop()
	var ms []store.Message
	select {
	case m := <-ch:
		ms = append(ms, m)
	case <-t.C:
		return nil, nil
	case <-h.cfg.Stop:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		select {
		case m := <-ch:
			ms = append(ms, m)
			continue
		default:
		}
		break
	}
	newestFirst(ms)
	if len(ms) > limit {
		ms = ms[:limit]
	}
	return ms, nil
}

func (h *Handlers) answer(c echo.Context, ms []store.Message, limit int) error {
	next := ""
	if len(ms) >= limit && len(ms) > 0 {
		next = strconv.FormatInt(ms[len(ms)-1].ID, 10)
	}
	return c.JSON(http.StatusOK, newList(h.messagesOf(ms), next))
}

func (h *Handlers) senders(c echo.Context) error {
	if err := known(c, "q", "sort", "before", "limit"); err != nil {
		return err
	}
	f := store.SenderFilter{Query: c.QueryParam("q"), Sort: c.QueryParam("sort")}
	switch f.Sort {
	case "":
		f.Sort = "recent"
	case "recent", "messages":
	default:
		return invalid("sort must be recent or messages, not %q.", clip(f.Sort))
	}
	var err error
	if f.Limit, err = limitParam(c); err != nil {
		return err
	}
	if b := c.QueryParam("before"); b != "" {
		after, err := parseSenderCursor(b, f.Sort)
		if err != nil {
			return err
		}
		f.After = &after
	}
	ss, err := h.st.Senders(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]sender, len(ss))
	for i, s := range ss {
		items[i] = h.senderOf(s)
	}
	next := ""
	if len(ss) >= f.Limit && len(ss) > 0 {
		next = senderCursor(ss[len(ss)-1], f.Sort)
	}
	return c.JSON(http.StatusOK, newList(items, next))
}

// A senders cursor is the sort value of the last sender of a page and its
// id: "1732096803000.17" (last seen, Unix milliseconds) for sort=recent,
// "40.17" (messages) for sort=messages.
func senderCursor(s store.Sender, sort string) string {
	v := s.LastSeen.UnixMilli()
	if sort == "messages" {
		v = s.Messages
	}
	return strconv.FormatInt(v, 10) + "." + strconv.FormatInt(s.ID, 10)
}

func parseSenderCursor(v, sort string) (store.Sender, error) {
	bad := invalid("before must be the next value of a senders page with the same sort, not %q.", clip(v))
	a, b, ok := strings.Cut(v, ".")
	if !ok {
		return store.Sender{}, bad
	}
	x, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || x < 0 || id <= 0 {
		return store.Sender{}, bad
	}
	s := store.Sender{ID: id}
	if sort == "messages" {
		s.Messages = x
	} else {
		s.LastSeen = time.UnixMilli(x)
	}
	return s, nil
}

func (h *Handlers) sender(c echo.Context) error {
	key, err := pathKey(c)
	if err != nil {
		return err
	}
	p, err := h.st.Profile(c.Request().Context(), key)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.profileOf(p))
}

func (h *Handlers) countries(c echo.Context) error {
	cs, err := h.st.Countries(c.Request().Context())
	if err != nil {
		return err
	}
	items := make([]country, len(cs))
	for i, cc := range cs {
		items[i] = h.countryOf(cc)
	}
	return c.JSON(http.StatusOK, newList(items, ""))
}

func (h *Handlers) search(c echo.Context) error {
	if err := known(c, "q", "before", "limit"); err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" {
		return invalid("q is missing: give the words to search message texts for.")
	}
	if len(q) > 200 {
		return invalid("q is too long; search for at most 200 characters.")
	}
	before, err := idParam(c, "before")
	if err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	ms, err := h.st.Search(c.Request().Context(), q, before, limit)
	if err != nil {
		return err
	}
	return h.answer(c, ms, limit)
}
