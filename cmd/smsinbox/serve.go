package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"smsinbox/ingest/modem"
	"smsinbox/ingest/webhook"
	"smsinbox/store"
	"smsinbox/store/demo"
	"smsinbox/web"
	"smsinbox/web/admin"
	"smsinbox/web/api"
	"smsinbox/web/feed"
	"smsinbox/web/live"
	"smsinbox/web/ops"
)

// logFlags defines the logging flags of the long-running commands.
func logFlags(fs *flag.FlagSet) (format, level *string) {
	format = fs.String("log-format", "auto", "log `format`: text, json, or auto (text on a terminal, json otherwise)")
	level = fs.String("log-level", "info", "least important log `level` written: debug, info, warn or error")
	return format, level
}

// newLogger builds the process's logger, writing to w.
func newLogger(cmd string, w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef(cmd, "--log-level must be debug, info, warn or error, not %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "auto" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef(cmd, "--log-format must be text or json, or auto for text on a terminal and json otherwise, not %q", format)
}

// isTerminal reports whether w is a terminal, where people rather than log
// collectors read the logs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// modemSpec is one --modem DEV=E164.
type modemSpec struct {
	port   string
	number string
}

func parseModems(cmd string, specs []string) ([]modemSpec, error) {
	var out []modemSpec
	seen := map[string]bool{}
	for _, s := range specs {
		i := strings.LastIndex(s, "=")
		if i <= 0 || i == len(s)-1 {
			return nil, usagef(cmd, "--modem %q must be DEVICE=E164, such as --modem /dev/ttyUSB0=+447400123456", s)
		}
		m := modemSpec{port: strings.TrimSpace(s[:i]), number: strings.TrimSpace(s[i+1:])}
		if seen[m.port] {
			return nil, usagef(cmd, "--modem names %s twice", m.port)
		}
		seen[m.port] = true
		out = append(out, m)
	}
	return out, nil
}

func parsePrefixes(cmd string, list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		for _, p := range splitList(s) {
			if a, err := netip.ParseAddr(p); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			pr, err := netip.ParsePrefix(p)
			if err != nil {
				return nil, usagef(cmd, "--trusted-proxy %q is not an IP address or CIDR range such as 10.0.0.0/8", p)
			}
			out = append(out, pr.Masked())
		}
	}
	return out, nil
}

// serveConfig is everything serve is started with.
type serveConfig struct {
	dsn, addr, publicURL string
	busy                 time.Duration
	demo, autoAdd        bool
	modems               []string
	baud                 int
	rateLimit            float64
	rateBurst            int
	trusted              []string
	proxyHeader          string
	retention            time.Duration
	logFormat, logLevel  *string
	shutdownTimeout      time.Duration
	contact              string
	adminPassword        string
	adminPasswordHash    string
	hook                 webhook.Config
}

func serveCommand() *command {
	return &command{
		name:    "serve",
		summary: "run the site, its feeds, API and webhook endpoints (and modem workers)",
		help: `Serves the site on --addr until it is stopped (SIGINT or SIGTERM), then stops
accepting requests, lets those in flight finish, stops the ingest workers
and closes the database. An empty database is seeded with the demo data set
(see smsinbox help demo) unless --demo=false. Each --modem DEVICE=E164 runs
a modem worker in the same process. A webhook provider is on when its
secret is set; the admin area at /admin is on when an admin password is.
Secrets are best given in the environment or a config file, not as flags,
which other users of the machine can see.`,
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			var c serveConfig
			fs.StringVar(&c.dsn, "db", "smsinbox.db", "the database: a file `path`, sqlite:PATH, or postgres://user:password@host/name")
			fs.DurationVar(&c.busy, "busy-timeout", 5*time.Second, "how long a write waits for another writer before giving up")
			fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "the `address` to listen on (host:port; port 0 picks a free one)")
			fs.BoolVar(&c.demo, "demo", true, "seed the demo data set into an empty database (--demo=false leaves it empty)")
			fs.StringVar(&c.publicURL, "public-url", "", "the site's base `URL` as visitors and gateways reach it, for links, feeds and webhook signatures (default http://ADDR)")
			fs.Var(listValue{&c.modems}, "modem", "run a modem worker: DEVICE=E164, such as /dev/ttyUSB0=+447400123456 (repeatable; comma-separated in the environment)")
			fs.IntVar(&c.baud, "baud", 115200, "the modems' serial speed")
			fs.Float64Var(&c.rateLimit, "rate-limit", 20, "each client's sustained requests per second (0 turns limits off)")
			fs.IntVar(&c.rateBurst, "rate-burst", 0, "requests a client may make at once (default twice --rate-limit)")
			fs.Var(listValue{&c.trusted}, "trusted-proxy", "a reverse proxy's address or CIDR range whose --proxy-header names the client (repeatable)")
			fs.StringVar(&c.proxyHeader, "proxy-header", "X-Forwarded-For", "the `header` a trusted proxy names the client in")
			fs.BoolVar(&c.autoAdd, "auto-add-numbers", false, "publish a number the first time a message arrives for it, instead of keeping it pending")
			fs.DurationVar(&c.retention, "retention", ops.DefaultRetention, "delete messages received longer ago than this (0 keeps everything)")
			c.logFormat, c.logLevel = logFlags(fs)
			fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long requests in flight may take to finish when stopping")
			fs.StringVar(&c.contact, "contact", "", "where removal requests go (an e-mail or web `address`), shown on the rules page")
			fs.StringVar(&c.adminPassword, "admin-password", "", "turns on the admin area at /admin with this `password`")
			fs.StringVar(&c.adminPasswordHash, "admin-password-hash", "", "turns on the admin area with this bcrypt `hash` of the password")
			fs.StringVar(&c.hook.TwilioAuthToken, "twilio-auth-token", "", "turns on /ingest/twilio: the Twilio auth `token` that signs its requests")
			fs.StringVar(&c.hook.VonageSignatureSecret, "vonage-signature-secret", "", "turns on /ingest/vonage: the Vonage signature `secret`")
			fs.StringVar(&c.hook.VonageSignatureMethod, "vonage-signature-method", "md5hash", "the Vonage signature `method`: md5hash, md5, sha1, sha256 or sha512")
			fs.StringVar(&c.hook.PlivoAuthToken, "plivo-auth-token", "", "turns on /ingest/plivo: the Plivo auth `token`")
			fs.StringVar(&c.hook.TelnyxPublicKey, "telnyx-public-key", "", "turns on /ingest/telnyx: the Telnyx public `key`, base64")
			fs.StringVar(&c.hook.SinchSecret, "sinch-secret", "", "turns on /ingest/sinch: the Sinch signing `secret`")
			fs.StringVar(&c.hook.SMSGateSigningKey, "smsgate-signing-key", "", "turns on /ingest/smsgate: the SMS Gateway for Android signing `key`")
			fs.StringVar(&c.hook.IngestToken, "ingest-token", "", "turns on /ingest/json, infobip, smssync, kannel and jasmin: the bearer `token` they send")
			fs.DurationVar(&c.hook.PartsTimeout, "parts-timeout", webhook.DefaultPartsTimeout, "how long the parts of a multi-part message wait for the rest")
			return func(e *env, args []string) error {
				if err := noArgs("serve", args); err != nil {
					return err
				}
				return e.serve(c)
			}
		},
	}
}

func (e *env) serve(c serveConfig) error {
	log, err := newLogger("serve", e.stderr, *c.logFormat, *c.logLevel)
	if err != nil {
		return err
	}
	modems, err := parseModems("serve", c.modems)
	if err != nil {
		return err
	}
	trusted, err := parsePrefixes("serve", c.trusted)
	if err != nil {
		return err
	}
	if c.rateLimit < 0 {
		return usagef("serve", "--rate-limit must not be negative")
	}
	if c.retention < 0 {
		return usagef("serve", "--retention must not be negative")
	}
	for _, m := range modems {
		if err := modem.Check(modem.Config{Port: m.port, Number: m.number, Baud: c.baud}); err != nil {
			return err
		}
	}

	st, err := e.openStore(c.dsn, c.busy, c.autoAdd)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.demo {
		if err := seedDemo(e.ctx, st, log); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (%s); choose another --addr or stop what uses it", c.addr, listenErr(err))
	}
	defer ln.Close()
	publicURL := strings.TrimRight(c.publicURL, "/")
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	c.hook.PublicURL = publicURL

	reg := prometheus.NewRegistry()
	hub := live.New(st, 0, log)
	metrics := ops.NewMetrics(reg, st, hub)
	clientAddr := func(r *http.Request) string { return ops.ClientAddr(r, trusted, c.proxyHeader).String() }
	adm, err := admin.New(st, admin.Config{Password: c.adminPassword, PasswordHash: c.adminPasswordHash, PublicURL: publicURL, Logger: log, ClientAddr: clientAddr})
	if err != nil {
		return err
	}
	c.hook.Logger = log
	c.hook.Registerer = reg
	hooks := webhook.New(st, c.hook)
	site := web.New(st, hub, web.Config{
		PublicURL:       publicURL,
		Logger:          log,
		Contact:         c.contact,
		ShutdownTimeout: c.shutdownTimeout,
		Mount: []func(*echo.Echo){
			feed.New(st, feed.Config{PublicURL: publicURL}).Register,
			api.New(st, hub, api.Config{PublicURL: publicURL, Registerer: reg, Stop: e.ctx.Done()}).Register,
			adm.Register,
			hooks.Register,
			metrics.Register,
		},
		Middleware: []echo.MiddlewareFunc{
			ops.RequestLogger(log),
			metrics.Middleware(),
			ops.RateLimit(ops.RateLimitConfig{PerSecond: c.rateLimit, Burst: c.rateBurst, TrustedProxies: trusted, ProxyHeader: c.proxyHeader}),
		},
	})

	// Workers run until the site has stopped serving; the hub longer, so
	// that requests in flight that wait for messages finish.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(e.ctx))
	defer stopWork()
	var workers sync.WaitGroup
	goWork := func(name string, fn func(ctx context.Context) error) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			if err := fn(workCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("worker stopped", "worker", name, "err", err)
			}
		}()
	}
	hubCtx, stopHub := context.WithCancel(context.WithoutCancel(e.ctx))
	hubDone := make(chan struct{})
	go func() { defer close(hubDone); hub.Run(hubCtx) }()
	defer func() { stopHub(); <-hubDone }()

	goWork("webhook parts", func(ctx context.Context) error { hooks.RunFlusher(ctx); return nil })
	goWork("retention", func(ctx context.Context) error {
		ops.RunRetention(ctx, st, c.retention, 0, 0, nil, log)
		return nil
	})
	for _, m := range modems {
		w := modem.New(st, modem.Config{Port: m.port, Number: m.number, Baud: c.baud, Logger: log, Registerer: reg})
		goWork("modem "+m.port, w.Run)
	}

	log.Info("listening", "addr", ln.Addr().String(), "url", publicURL, "webhooks", strings.Join(hooks.Providers(), ","), "modems", len(modems))
	serveErr := site.Serve(e.ctx, ln)
	if errors.Is(serveErr, context.DeadlineExceeded) {
		log.Warn("requests still in flight after --shutdown-timeout were cut off", "shutdown_timeout", c.shutdownTimeout)
		serveErr = nil
	}
	log.Info("stopped serving; stopping workers")
	stopWork()
	workers.Wait()
	stopHub()
	<-hubDone
	if serveErr != nil && !errors.Is(serveErr, context.Canceled) && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// seedDemo writes the demo data set into an empty database.
func seedDemo(ctx context.Context, st *store.Store, log *slog.Logger) error {
	empty, err := st.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	sum, err := demo.Generate(ctx, st, demo.Options{Seed: 1})
	if err != nil {
		return err
	}
	if err := st.SetMeta(ctx, "demo", "1"); err != nil {
		return err
	}
	log.Info("seeded the demo data set into the empty database; start with --demo=false to leave a new database empty",
		"messages", sum.Messages, "numbers", sum.Numbers, "senders", sum.Senders)
	return nil
}

func listenErr(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

func modemCommand() *command {
	return &command{
		name:    "modem",
		summary: "run a standalone modem worker writing into the same database as serve",
		help: `Reads the messages a GSM modem receives (AT commands, PDU mode) and stores
them, deleting each from the SIM once it is stored. --number is the SIM's
own number (SIMs often do not know it). A running serve shows the messages
within a second. Stops on SIGINT or SIGTERM.`,
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			dsn, busy := commonDB(fs)
			port := fs.String("port", "", "the modem's serial `device`, such as /dev/ttyUSB0")
			number := fs.String("number", "", "the SIM's own number in E.164 form, such as +447400123456")
			baud := fs.Int("baud", 115200, "the serial speed")
			pin := fs.String("pin", "", "the SIM's PIN, when it asks for one")
			autoAdd := fs.Bool("auto-add-numbers", false, "publish the number the first time a message arrives for it, instead of keeping it pending")
			logFormat, logLevel := logFlags(fs)
			return func(e *env, args []string) error {
				if err := noArgs("modem", args); err != nil {
					return err
				}
				if *port == "" {
					return usagef("modem", "modem needs --port, the modem's device such as /dev/ttyUSB0")
				}
				if *number == "" {
					return usagef("modem", "modem needs --number, the SIM's own number such as +447400123456")
				}
				log, err := newLogger("modem", e.stderr, *logFormat, *logLevel)
				if err != nil {
					return err
				}
				cfg := modem.Config{Port: *port, Number: *number, Baud: *baud, PIN: *pin, Logger: log}
				if err := modem.Check(cfg); err != nil {
					return err
				}
				st, err := e.openStore(*dsn, *busy, *autoAdd)
				if err != nil {
					return err
				}
				defer st.Close()
				log.Info("receiving", "port", *port, "number", *number)
				err = modem.New(st, cfg).Run(e.ctx)
				if errors.Is(err, context.Canceled) {
					return nil
				}
				return err
			}
		},
	}
}
