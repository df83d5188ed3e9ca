// Package webhook receives SMS from gateway providers over HTTP.
//
// Every provider has one small adapter: how its request is authenticated,
// how its body becomes store.Inbound values and how it wants success
// acknowledged. The rest (body limit, authentication helpers, validation,
// storing, error answers, logging and metrics) is shared by all of them.
//
// An answer in the 2xx range is given only after the message is committed
// to the store, so a provider that gets anything else retries, and a retry
// of a stored message is a no-op answered exactly like the first delivery.
package webhook

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"smsinbox/store"
)

// MaxBody is the largest request body a webhook accepts.
const MaxBody = 64 << 10

// DefaultPartsTimeout is how long the parts of a multi-part message wait for
// the rest before the message is published with gaps.
const DefaultPartsTimeout = 10 * time.Minute

// Tolerance is how far a signed request's timestamp may be from our clock.
const Tolerance = 5 * time.Minute

// Config holds the secrets and settings of the webhook endpoints. A provider
// is on when its secret is set.
type Config struct {
	// PublicURL is the base URL the gateways call (SMSINBOX_PUBLIC_URL). The
	// URL a provider signed is rebuilt from it and the request path, so that
	// signatures check behind a reverse proxy. When empty, the request's own
	// scheme and host are used.
	PublicURL string

	TwilioAuthToken       string
	VonageSignatureSecret string
	VonageSignatureMethod string // md5hash (default), md5, sha1, sha256, sha512
	PlivoAuthToken        string
	TelnyxPublicKey       string // base64 of the raw 32-byte Ed25519 key (or its SPKI form)
	SinchSecret           string
	SMSGateSigningKey     string
	IngestToken           string // infobip, smssync, kannel, jasmin and json

	PartsTimeout time.Duration // DefaultPartsTimeout when 0
	Now          func() time.Time
	Logger       *slog.Logger
	// Registerer takes the request and signature-failure counters; may be nil.
	Registerer prometheus.Registerer
}

// ConfigFromEnv reads the SMSINBOX_* variables of the webhook endpoints.
func ConfigFromEnv(getenv func(string) string) Config {
	get := func(name string) string { return strings.TrimSpace(getenv("SMSINBOX_" + name)) }
	cfg := Config{
		PublicURL:             get("PUBLIC_URL"),
		TwilioAuthToken:       get("TWILIO_AUTH_TOKEN"),
		VonageSignatureSecret: get("VONAGE_SIGNATURE_SECRET"),
		VonageSignatureMethod: strings.ToLower(get("VONAGE_SIGNATURE_METHOD")),
		PlivoAuthToken:        get("PLIVO_AUTH_TOKEN"),
		TelnyxPublicKey:       get("TELNYX_PUBLIC_KEY"),
		SinchSecret:           get("SINCH_SECRET"),
		SMSGateSigningKey:     get("SMSGATE_SIGNING_KEY"),
		IngestToken:           get("INGEST_TOKEN"),
	}
	if d, err := time.ParseDuration(get("PARTS_TIMEOUT")); err == nil && d > 0 {
		cfg.PartsTimeout = d
	}
	return cfg
}

// Handlers serves the webhook endpoints.
type Handlers struct {
	st       *store.Store
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	adapters []*adapter
	metrics  *metrics
}

// New builds the handlers of every provider whose secret is set in cfg.
func New(st *store.Store, cfg Config) *Handlers {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PartsTimeout <= 0 {
		cfg.PartsTimeout = DefaultPartsTimeout
	}
	if cfg.VonageSignatureMethod == "" {
		cfg.VonageSignatureMethod = "md5hash"
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	h := &Handlers{st: st, cfg: cfg, log: cfg.Logger, now: cfg.Now, metrics: newMetrics(cfg.Registerer)}
	for _, a := range h.allAdapters() {
		if a.secret == "" {
			continue
		}
		if a.setup != nil {
			if err := a.setup(); err != nil {
				h.log.Error("webhook provider left off", "provider", a.name, "err", err)
				continue
			}
		}
		h.adapters = append(h.adapters, a)
	}
	return h
}

// Providers names the providers that are on.
func (h *Handlers) Providers() []string {
	names := make([]string, len(h.adapters))
	for i, a := range h.adapters {
		names[i] = a.name
	}
	return names
}

// Register adds POST /ingest/{provider} (and GET for the providers that can
// call with GET) for every provider that is on. Any other provider's path is
// left to the router, which answers 404.
func (h *Handlers) Register(e *echo.Echo) {
	for _, a := range h.adapters {
		path := "/ingest/" + a.name
		e.POST(path, h.handle(a)).Name = "ingest-" + a.name
		if a.get {
			e.GET(path, h.handle(a)).Name = "ingest-" + a.name + "-get"
		}
	}
}

// RunFlusher publishes, until ctx ends, the multi-part messages whose parts
// waited longer than the parts timeout, with gap markers for what is
// missing.
func (h *Handlers) RunFlusher(ctx context.Context) {
	h.st.RunPartsFlusher(ctx, h.cfg.PartsTimeout, func(n int, err error) {
		if err != nil {
			h.log.Error("flushing incomplete multi-part messages", "err", err)
			return
		}
		h.log.Info("published incomplete multi-part messages", "messages", n)
	})
}
