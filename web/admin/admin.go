// Package admin is the operator's area at /admin: sign-in, numbers,
// takedowns, blocked senders and the audit log.
package admin

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"smsinbox/store"
	"smsinbox/store/phone"
	"smsinbox/templates"
)

// Config sets up the admin area. The area is off until Password or
// PasswordHash is set.
type Config struct {
	// Password is the admin password (SMSINBOX_ADMIN_PASSWORD).
	Password string
	// PasswordHash is a bcrypt hash of it (SMSINBOX_ADMIN_PASSWORD_HASH).
	PasswordHash string
	// PublicURL is the site's base URL; the session cookie is Secure when
	// it is https.
	PublicURL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger gets sign-in events; slog.Default when nil.
	Logger *slog.Logger
	// SessionTTL is how long a sign-in lasts; 12 hours when 0.
	SessionTTL time.Duration
	// ClientAddr names the client of a request, for slowing down wrong
	// passwords per client; the peer address when nil.
	ClientAddr func(*http.Request) string
}

const cookieName = "smsinbox_admin"

//go:embed admin.css
var css []byte

// Handlers serves the admin area.
type Handlers struct {
	st     *store.Store
	cfg    Config
	hash   []byte
	key    []byte
	secure bool
	fails  *failures
	log    *slog.Logger

	mu      sync.Mutex
	revoked map[string]time.Time // nonces of signed-out sessions, until they expire
}

// New sets up the admin area; it fails on a PasswordHash that is not a
// bcrypt hash, or when both a password and a hash are given.
func New(st *store.Store, cfg Config) (*Handlers, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.ClientAddr == nil {
		cfg.ClientAddr = peer
	}
	h := &Handlers{st: st, cfg: cfg, log: cfg.Logger, fails: newFailures(), revoked: map[string]time.Time{}}
	if cfg.Password != "" && cfg.PasswordHash != "" {
		return nil, errors.New("set either SMSINBOX_ADMIN_PASSWORD or SMSINBOX_ADMIN_PASSWORD_HASH, not both")
	}
	if cfg.PasswordHash != "" {
		h.hash = []byte(strings.TrimSpace(cfg.PasswordHash))
		if _, err := bcrypt.Cost(h.hash); err != nil {
			return nil, errors.New("SMSINBOX_ADMIN_PASSWORD_HASH is not a bcrypt hash (it should start with $2a$, $2b$ or $2y$); make one with: htpasswd -nbBC 12 '' PASSWORD | cut -d: -f2")
		}
	}
	h.key = make([]byte, 32)
	if _, err := rand.Read(h.key); err != nil {
		return nil, err
	}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme == "https" {
		h.secure = true
	}
	return h, nil
}

// Enabled reports whether a password is set; without one /admin is not
// found.
func (h *Handlers) Enabled() bool { return h.cfg.Password != "" || len(h.hash) > 0 }

// Register adds the admin routes to e.
func (h *Handlers) Register(e *echo.Echo) {
	if !h.Enabled() {
		off := func(c echo.Context) error {
			return store.Errorf(store.KindNotFound, "there is no page %s", c.Request().URL.Path)
		}
		e.Any("/admin", off)
		e.Any("/admin/*", off)
		return
	}
	g := e.Group("/admin", h.headers)
	g.GET("", h.dashboard).Name = "admin"
	g.GET("/", h.dashboard).Name = "admin.slash"
	g.GET("/login", h.loginForm).Name = "admin.login"
	g.GET("/admin.css", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "private, max-age=3600")
		return c.Blob(http.StatusOK, "text/css; charset=utf-8", css)
	}).Name = "admin.css"
	g.POST("/login", h.login).Name = "admin.login.post"
	a := g.Group("", h.requireSession)
	a.POST("/logout", h.logout).Name = "admin.logout"
	a.POST("/numbers/add", h.addNumber).Name = "admin.numbers.add"
	a.POST("/numbers/label", h.labelNumber).Name = "admin.numbers.label"
	a.POST("/numbers/retire", h.retireNumber).Name = "admin.numbers.retire"
	a.POST("/numbers/activate", h.activateNumber).Name = "admin.numbers.activate"
	a.POST("/messages/hide", h.hideMessage).Name = "admin.messages.hide"
	a.POST("/senders/block", h.blockSender(true)).Name = "admin.senders.block"
	a.POST("/senders/unblock", h.blockSender(false)).Name = "admin.senders.unblock"
}

// headers keeps admin pages out of caches, frames and search engines, and
// refuses form posts made by other sites.
func (h *Handlers) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Robots-Tag", "noindex, nofollow")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		if c.Request().Method == http.MethodPost && crossSite(c.Request()) {
			return echo.NewHTTPError(http.StatusForbidden, "This form was sent from another site.")
		}
		return next(c)
	}
}

// crossSite reports a request that a browser says comes from another site.
func crossSite(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return true
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return true
		}
	}
	return false
}

func peer(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// session is what the signed cookie holds.
type session struct {
	Actor   string `json:"a"`
	Expires int64  `json:"e"`
	Nonce   string `json:"n"`
}

func (h *Handlers) sign(b []byte) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write(b)
	return m.Sum(nil)
}

func (h *Handlers) encode(s session) string {
	b, _ := json.Marshal(s)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(b) + "." + enc.EncodeToString(h.sign(b))
}

// decode checks a cookie value's signature and expiry.
func (h *Handlers) decode(v string) (session, bool) {
	var s session
	p, sig, ok := strings.Cut(v, ".")
	if !ok {
		return s, false
	}
	enc := base64.RawURLEncoding
	b, err1 := enc.DecodeString(p)
	got, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(got, h.sign(b)) {
		return s, false
	}
	if json.Unmarshal(b, &s) != nil || h.cfg.Now().Unix() >= s.Expires || s.Nonce == "" {
		return s, false
	}
	h.mu.Lock()
	_, out := h.revoked[s.Nonce]
	h.mu.Unlock()
	return s, !out
}

// csrf is the form token of a session: only pages of this session carry it.
func (h *Handlers) csrf(s session) string {
	return base64.RawURLEncoding.EncodeToString(h.sign([]byte("csrf\x00" + s.Nonce)))
}

func (h *Handlers) current(c echo.Context) (session, bool) {
	ck, err := c.Cookie(cookieName)
	if err != nil {
		return session{}, false
	}
	return h.decode(ck.Value)
}

type ctxKey struct{}

// requireSession lets signed-in requests with the session's form token
// through; others go to the sign-in page.
func (h *Handlers) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, ok := h.current(c)
		if !ok {
			return c.Redirect(http.StatusSeeOther, "/admin/login")
		}
		want := h.csrf(s)
		got := c.FormValue("csrf")
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return echo.NewHTTPError(http.StatusForbidden, "The form has expired; reload the admin page and try again.")
		}
		c.Set("admin.session", s)
		return next(c)
	}
}

func sessionOf(c echo.Context) session {
	s, _ := c.Get("admin.session").(session)
	return s
}

func (h *Handlers) setCookie(c echo.Context, value string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name:     cookieName,
		Value:    value,
		Path:     "/admin",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   h.secure || c.Request().TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
}

func render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

func (h *Handlers) loginForm(c echo.Context) error {
	if _, ok := h.current(c); ok {
		return c.Redirect(http.StatusSeeOther, "/admin")
	}
	return render(c, http.StatusOK, templates.AdminLogin(templates.AdminLoginView{}))
}

var nameRe = regexp.MustCompile(`[^\p{L}\p{N} ._@-]+`)

// actorName turns the name typed at sign-in into the audit log's actor.
func actorName(name string) string {
	name = strings.TrimSpace(nameRe.ReplaceAllString(name, ""))
	if r := []rune(name); len(r) > 40 {
		name = string(r[:40])
	}
	if name == "" {
		return "admin"
	}
	return "admin:" + name
}

func (h *Handlers) checkPassword(pw string) bool {
	if len(h.hash) > 0 {
		return bcrypt.CompareHashAndPassword(h.hash, []byte(pw)) == nil
	}
	a := sha256.Sum256([]byte(pw))
	b := sha256.Sum256([]byte(h.cfg.Password))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func (h *Handlers) login(c echo.Context) error {
	ctx := c.Request().Context()
	client := h.cfg.ClientAddr(c.Request())
	name := c.FormValue("name")
	now := h.cfg.Now()
	if wait := h.fails.wait(client, now); wait > 0 {
		secs := int(wait.Round(time.Second) / time.Second)
		secs = max(secs, 1)
		h.log.Warn("admin sign-in refused while slowed down", "client", client)
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		return render(c, http.StatusTooManyRequests, templates.AdminLogin(templates.AdminLoginView{
			Name: name, Error: "Too many wrong passwords from your address; wait " + strconv.Itoa(secs) + " seconds and try again."}))
	}
	if !h.checkPassword(c.FormValue("password")) {
		n := h.fails.fail(client, now)
		h.log.Warn("admin sign-in failed", "client", client, "failures", n)
		if err := h.st.Audit(ctx, actorName(name), "admin.signin_failed", client, "wrong password"); err != nil {
			return err
		}
		return render(c, http.StatusUnauthorized, templates.AdminLogin(templates.AdminLoginView{Name: name, Error: "That password is wrong."}))
	}
	h.fails.reset(client)
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	s := session{Actor: actorName(name), Expires: now.Add(h.cfg.SessionTTL).Unix(), Nonce: base64.RawURLEncoding.EncodeToString(nonce)}
	if err := h.st.Audit(ctx, s.Actor, "admin.signin", client, ""); err != nil {
		return err
	}
	h.log.Info("admin signed in", "actor", s.Actor, "client", client)
	h.setCookie(c, h.encode(s), int(h.cfg.SessionTTL/time.Second))
	return c.Redirect(http.StatusSeeOther, "/admin")
}

// logout ends the session: its cookie is dropped, and refused from now on
// should a copy of it be used.
func (h *Handlers) logout(c echo.Context) error {
	s := sessionOf(c)
	now := h.cfg.Now()
	h.mu.Lock()
	for n, exp := range h.revoked {
		if now.After(exp) {
			delete(h.revoked, n)
		}
	}
	h.revoked[s.Nonce] = time.Unix(s.Expires, 0)
	h.mu.Unlock()
	h.setCookie(c, "", -1)
	return c.Redirect(http.StatusSeeOther, "/admin/login")
}

// notices are the sentences shown after an action, by its done code.
var notices = map[string]string{
	"number.add":      "Number %s is published.",
	"number.label":    "The label of %s is saved.",
	"number.retire":   "Number %s is retired.",
	"number.activate": "Number %s is active again.",
	"message.hide":    "Message %s is hidden.",
	"sender.block":    "Sender %s is blocked.",
	"sender.unblock":  "Sender %s is unblocked.",
}

func (h *Handlers) dashboard(c echo.Context) error {
	s, ok := h.current(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/admin/login")
	}
	v := templates.AdminView{}
	if f, ok := notices[c.QueryParam("done")]; ok {
		v.Notice = strings.Replace(f, "%s", clip(c.QueryParam("t"), 64), 1)
	}
	return h.page(c, s, http.StatusOK, v)
}

func (h *Handlers) page(c echo.Context, s session, status int, v templates.AdminView) error {
	ctx := c.Request().Context()
	var err error
	v.Actor, v.CSRF = s.Actor, h.csrf(s)
	if v.Numbers, err = h.st.Numbers(ctx, store.NumberFilter{Status: "all"}); err != nil {
		return err
	}
	if v.Audit, err = h.st.AuditLog(ctx, store.MaxLimit); err != nil {
		return err
	}
	return render(c, status, templates.AdminDashboard(v))
}

// done ends an action: a store error the operator can fix is shown on the
// page, anything else goes to the site's error handler; success redirects
// to the page with a notice.
func (h *Handlers) done(c echo.Context, err error, action, target string) error {
	if err != nil {
		status := 0
		switch store.KindOf(err) {
		case store.KindInvalid:
			status = http.StatusBadRequest
		case store.KindNotFound:
			status = http.StatusNotFound
		case store.KindConflict:
			status = http.StatusConflict
		default:
			return err
		}
		return h.page(c, sessionOf(c), status, templates.AdminView{Error: store.MessageOf(err)})
	}
	h.log.Info("admin action", "actor", sessionOf(c).Actor, "action", action, "target", target)
	q := url.Values{"done": {action}, "t": {target}}
	return c.Redirect(http.StatusSeeOther, "/admin?"+q.Encode())
}

func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func required(c echo.Context, field, what string) (string, error) {
	v := clip(c.FormValue(field), 200)
	if v == "" {
		return "", store.Errorf(store.KindInvalid, "%s is missing.", what)
	}
	return v, nil
}

func (h *Handlers) addNumber(c echo.Context) error {
	raw, err := required(c, "number", "The number")
	if err != nil {
		return h.done(c, err, "", "")
	}
	n, err := h.st.AddNumber(c.Request().Context(), sessionOf(c).Actor, raw, clip(c.FormValue("label"), 80))
	return h.done(c, err, "number.add", n.E164)
}

func (h *Handlers) labelNumber(c echo.Context) error {
	raw, err := required(c, "number", "The number")
	if err != nil {
		return h.done(c, err, "", "")
	}
	err = h.st.LabelNumber(c.Request().Context(), sessionOf(c).Actor, raw, clip(c.FormValue("label"), 80))
	return h.done(c, err, "number.label", raw)
}

func (h *Handlers) retireNumber(c echo.Context) error {
	return h.numberStatus(c, "number.retire", h.st.RetireNumber)
}

func (h *Handlers) activateNumber(c echo.Context) error {
	return h.numberStatus(c, "number.activate", h.st.ActivateNumber)
}

func (h *Handlers) numberStatus(c echo.Context, action string, fn func(ctx context.Context, actor, e164 string) error) error {
	raw, err := required(c, "number", "The number")
	if err != nil {
		return h.done(c, err, "", "")
	}
	return h.done(c, fn(c.Request().Context(), sessionOf(c).Actor, raw), action, raw)
}

var messageIDRe = regexp.MustCompile(`^(?:.*/message/)?([0-9]{1,18})/?$`)

// messageID reads a message id, or the address of a message page.
func messageID(v string) (int64, error) {
	m := messageIDRe.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return 0, store.Errorf(store.KindInvalid, "%q is not a message id or the address of a message page.", clip(v, 40))
	}
	return strconv.ParseInt(m[1], 10, 64)
}

func (h *Handlers) hideMessage(c echo.Context) error {
	raw, err := required(c, "message", "The message id")
	if err != nil {
		return h.done(c, err, "", "")
	}
	id, err := messageID(raw)
	if err != nil {
		return h.done(c, err, "", "")
	}
	reason, err := required(c, "reason", "The reason for the takedown")
	if err != nil {
		return h.done(c, err, "", "")
	}
	err = h.st.HideMessage(c.Request().Context(), sessionOf(c).Actor, id, reason)
	return h.done(c, err, "message.hide", strconv.FormatInt(id, 10))
}

// senderKey reads a sender as the operator typed it: its key, or its name
// as shown ("Spam Co" is the key spam-co, "+49 176 1234 5678" is
// 4917612345678).
func senderKey(v string) string {
	if key, _, _, err := phone.SenderKey(v, ""); err == nil && key != "" {
		return key
	}
	return strings.ToLower(v)
}

func (h *Handlers) blockSender(blocked bool) echo.HandlerFunc {
	action := "sender.block"
	if !blocked {
		action = "sender.unblock"
	}
	return func(c echo.Context) error {
		key, err := required(c, "sender", "The sender key")
		if err != nil {
			return h.done(c, err, "", "")
		}
		key = senderKey(key)
		err = h.st.BlockSender(c.Request().Context(), sessionOf(c).Actor, key, clip(c.FormValue("reason"), 200), blocked)
		return h.done(c, err, action, key)
	}
}
