package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
)

// adapter is one provider: everything that differs between providers.
type adapter struct {
	name string
	get  bool // the provider may call with GET, its fields in the query
	// secret turns the provider on when set.
	secret string
	// setup, when set, checks the provider's configuration; an error
	// leaves the provider off.
	setup  func() error
	verify func(r *request) error
	parse  func(r *request) ([]item, error)
	// ack answers a request whose messages are all stored (or that held
	// nothing to store); stored holds their results.
	ack func(c echo.Context, stored []store.Result) error
	// fail, when set, writes a refusal in the provider's own format.
	fail func(c echo.Context, status int, msg string) error
}

// item is one message of a request, whole or a part its source did not
// reassemble.
type item struct {
	in   store.Inbound
	part *store.Part
}

// request is one webhook call as the adapters see it.
type request struct {
	h     *Handlers
	c     echo.Context
	body  []byte
	query url.Values
	form  url.Values // the fields of a GET query or a form body, parsed once
}

func (r *request) header(name string) string {
	return strings.TrimSpace(r.c.Request().Header.Get(name))
}

func (r *request) isGet() bool { return r.c.Request().Method == http.MethodGet }

// mediaType is the request's content type without parameters.
func (r *request) mediaType() string {
	mt, _, _ := mime.ParseMediaType(r.c.Request().Header.Get(echo.HeaderContentType))
	return strings.ToLower(mt)
}

// isJSON reports whether the body is JSON, by content type or, when the
// type says nothing useful, by its first character.
func (r *request) isJSON() bool {
	switch mt := r.mediaType(); {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return true
	case mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data":
		return false
	}
	s := strings.TrimLeft(string(r.body[:min(len(r.body), 64)]), " \t\r\n")
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

// fields returns the request's fields: the query of a GET, the form body
// of a POST.
func (r *request) fields() (url.Values, error) {
	if r.form != nil {
		return r.form, nil
	}
	if r.isGet() {
		r.form = r.query
		return r.form, nil
	}
	v, err := url.ParseQuery(string(r.body))
	if err != nil {
		return nil, badRequest("The body is not a valid form (application/x-www-form-urlencoded).")
	}
	r.form = v
	return v, nil
}

// params returns the request's fields whatever their form: the query of a
// GET, a form body, or the top-level members of a JSON object body (as
// text).
func (r *request) params() (url.Values, error) {
	if r.isGet() || !r.isJSON() {
		return r.fields()
	}
	if r.form != nil {
		return r.form, nil
	}
	var obj map[string]json.RawMessage
	if err := decodeJSON(r.body, &obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, badRequest("The body is not a JSON object.")
	}
	v := make(url.Values, len(obj))
	for k, raw := range obj {
		v.Set(k, jsonString(raw))
	}
	r.form = v
	return v, nil
}

// signedURL is the URL the provider called, as it signed it: the public
// base URL (or the request's scheme and host) and the raw request target.
func (r *request) signedURL() string {
	req := r.c.Request()
	target := req.RequestURI
	if !strings.HasPrefix(target, "/") {
		target = req.URL.RequestURI()
	}
	base := r.h.cfg.PublicURL
	if base == "" {
		base = r.c.Scheme() + "://" + req.Host
	}
	return base + target
}

// failure is a refusal: the status, the one sentence the caller sees, and
// what the log and the metrics get.
type failure struct {
	status  int
	msg     string
	outcome string
	detail  string // for the log only
	err     error
}

func (f *failure) Error() string { return f.msg }
func (f *failure) Unwrap() error { return f.err }

func badRequest(msg string) error {
	return &failure{status: http.StatusBadRequest, msg: msg, outcome: outcomeBad}
}

func badRequestf(format string, args ...any) error {
	return badRequest(fmt.Sprintf(format, args...))
}

// errNoCredentials: the request carries no signature or token at all.
func errNoCredentials(detail string) error {
	return &failure{status: http.StatusUnauthorized, msg: "The request is not authenticated.", outcome: outcomeUnauth, detail: detail}
}

// errBadCredentials: a signature or token is there but does not match. The
// answer never says what was expected.
func errBadCredentials(detail string) error {
	return &failure{status: http.StatusForbidden, msg: "The request's signature or token is not valid.", outcome: outcomeUnauth, detail: detail}
}

func errStale(detail string) error {
	return &failure{status: http.StatusForbidden, msg: "The request's timestamp is too far from the current time.", outcome: outcomeStale, detail: detail}
}

// handle is the one request flow every provider shares.
func (h *Handlers) handle(a *adapter) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := h.read(c)
		if err == nil {
			err = a.verify(r)
		}
		var items []item
		if err == nil {
			items, err = a.parse(r)
		}
		if err == nil {
			err = checkItems(a.name, h.now(), items)
		}
		var res []store.Result
		var outcome string
		if err == nil {
			res, outcome, err = h.store(c.Request().Context(), items)
		}
		if err != nil {
			return h.refuse(c, a, err)
		}
		h.metrics.count(a.name, outcome)
		h.log.Debug("webhook stored", "provider", a.name, "messages", len(items), "outcome", outcome)
		return a.ack(c, res)
	}
}

// read takes the body (at most MaxBody bytes) and the query.
func (h *Handlers) read(c echo.Context) (*request, error) {
	req := c.Request()
	r := &request{h: h, c: c, query: req.URL.Query()}
	tooLarge := &failure{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("The body is larger than %d KiB.", MaxBody>>10), outcome: outcomeTooLarge}
	if req.ContentLength > MaxBody {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		return nil, badRequest("The body could not be read.")
	}
	r.body = body
	return r, nil
}

// checkItems refuses messages that can never be stored, with one sentence
// naming what is wrong, and fills in the source and the received time.
func checkItems(provider string, now time.Time, items []item) error {
	for i := range items {
		in := &items[i].in
		if items[i].part != nil {
			in = &items[i].part.Inbound
		}
		if in.Source == "" {
			in.Source = provider
		}
		if in.ReceivedAt.IsZero() {
			in.ReceivedAt = now
		}
		text := in.Body
		if p := items[i].part; p != nil {
			text = p.Text
		}
		switch {
		case !utf8.ValidString(in.From) || !utf8.ValidString(in.To) || !utf8.ValidString(text) || !utf8.ValidString(in.SourceID):
			return badRequest("The message is not valid UTF-8.")
		case strings.TrimSpace(in.From) == "":
			return badRequest("The message has no sender.")
		case strings.TrimSpace(in.To) == "":
			return badRequest("The message has no receiving number; add ?to=NUMBER to the webhook URL if the gateway does not send it.")
		case strings.TrimSpace(text) == "" && len(in.Binary) == 0 && (items[i].part == nil || len(items[i].part.UCS2) == 0):
			return badRequest("The message has no text.")
		}
	}
	return nil
}

// store hands every item to the store and waits for their commits. Whole
// messages go through the group committer, concurrently when a request
// holds several, so they share transactions.
func (h *Handlers) store(ctx context.Context, items []item) ([]store.Result, string, error) {
	if len(items) == 0 {
		return nil, outcomeIgnored, nil
	}
	res := make([]store.Result, len(items))
	errs := make([]error, len(items))
	complete := make([]bool, len(items))
	put := func(i int) {
		if p := items[i].part; p != nil {
			res[i], complete[i], errs[i] = h.st.AddPart(ctx, *p)
			return
		}
		res[i], errs[i] = h.st.Ingest(ctx, items[i].in)
		complete[i] = true
	}
	if len(items) == 1 {
		put(0)
	} else {
		var wg sync.WaitGroup
		for i := range items {
			wg.Go(func() { put(i) })
		}
		wg.Wait()
	}
	outcome := outcomeDuplicate
	for i, err := range errs {
		if err != nil {
			if store.KindOf(err) == store.KindInvalid {
				return nil, "", &failure{status: http.StatusBadRequest, msg: sentence(store.MessageOf(err)), outcome: outcomeBad, err: err}
			}
			return nil, "", &failure{status: http.StatusServiceUnavailable, msg: "The message could not be stored; please retry.", outcome: outcomeStoreError, err: err}
		}
		switch {
		case !complete[i]:
			if outcome == outcomeDuplicate {
				outcome = outcomePart
			}
		case !res[i].Duplicate:
			outcome = outcomeStored
		}
	}
	return res, outcome, nil
}

// refuse answers a request that was not (entirely) stored, logs it and
// counts it.
func (h *Handlers) refuse(c echo.Context, a *adapter, err error) error {
	var f *failure
	if !errors.As(err, &f) {
		f = &failure{status: http.StatusInternalServerError, msg: "Something went wrong on our side; please retry.", outcome: outcomeStoreError, err: err}
	}
	h.metrics.count(a.name, f.outcome)
	if f.outcome == outcomeUnauth || f.outcome == outcomeStale {
		h.metrics.sigFailed.WithLabelValues(a.name).Inc()
	}
	level := slog.LevelWarn
	if f.status >= 500 {
		level = slog.LevelError
	}
	attrs := []any{"provider", a.name, "status", f.status, "reason", f.msg, "remote", c.RealIP()}
	if f.detail != "" {
		attrs = append(attrs, "detail", f.detail)
	}
	if f.err != nil {
		attrs = append(attrs, "err", f.err)
	}
	h.log.Log(c.Request().Context(), level, "webhook refused", attrs...)
	if a.fail != nil {
		return a.fail(c, f.status, f.msg)
	}
	return c.JSON(f.status, map[string]any{"error": map[string]string{"code": codeOf(f.status), "message": f.msg}})
}

func codeOf(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	}
	return "internal"
}

// sentence makes a store message a sentence: capital first letter, final
// full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "The message was refused."
	}
	if r, n := utf8.DecodeRuneInString(s); r >= 'a' && r <= 'z' {
		s = string(r-'a'+'A') + s[n:]
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
