// Package ops holds what operators need to run the site: Prometheus
// metrics, health and readiness checks, per-client rate limits, request
// logs and the retention job.
package ops

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"smsinbox/store"
	"smsinbox/web/live"
)

// Ingest outcomes, the values of the outcome label of
// smsinbox_messages_ingested_total.
const (
	OutcomeStored      = "stored"      // stored and published
	OutcomeUnpublished = "unpublished" // stored for a number that is not published yet
	OutcomeDuplicate   = "duplicate"   // a retried delivery of a stored message
	OutcomeRefused     = "refused"     // the message was not valid
	OutcomeFailed      = "failed"      // the store failed
)

// Metrics collects the site's Prometheus metrics.
type Metrics struct {
	reg      *prometheus.Registry
	st       *store.Store
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	ingested *prometheus.CounterVec
	commit   *prometheus.HistogramVec
}

// NewMetrics registers the site's metrics on reg (a new registry when nil):
// HTTP requests by route and status with their durations, open live
// connections, the database size, the newest message id, messages
// ingested by source and outcome, and the Go runtime and process metrics.
func NewMetrics(reg *prometheus.Registry, st *store.Store, hub *live.Hub) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		reg: reg,
		st:  st,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smsinbox_http_requests_total",
			Help: "HTTP requests answered, by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "smsinbox_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route (waiting API requests included).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 30, 60},
		}, []string{"route"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smsinbox_messages_ingested_total",
			Help: "Messages handed to the store by ingest paths, by source and outcome.",
		}, []string{"source", "outcome"}),
		commit: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "smsinbox_ingest_commit_seconds",
			Help:    "Time from handing a message to the store to its commit, by source.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"source"}),
	}
	m.requests = register(reg, m.requests)
	m.commit = register(reg, m.commit)
	m.duration = register(reg, m.duration)
	m.ingested = register(reg, m.ingested)
	cs := []prometheus.Collector{newStoredCounter(st),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "smsinbox_database_bytes",
			Help: "Size of the database file and its write-ahead log.",
		}, func() float64 { return float64(fileSize(st.Path()) + fileSize(st.Path()+"-wal")) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "smsinbox_messages_last_id",
			Help: "The greatest message id stored; its rate is the storing rate.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			id, _ := st.LastID(ctx)
			return float64(id)
		}),
	}
	if hub != nil {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "smsinbox_live_subscribers",
			Help: "Open live subscriptions: live pages and waiting API requests.",
		}, func() float64 { return float64(hub.Subscribers()) }))
	}
	cs = append(cs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range cs {
		register(reg, c)
	}
	if st != nil {
		st.ObserveIngest(func(source string, res store.Result, err error, wait time.Duration) {
			m.observeIngest(source, res, err)
			m.commit.WithLabelValues(sourceLabel(source)).Observe(wait.Seconds())
		})
	}
	return m
}

// register adds c to reg and returns it, or the collector registered
// before under the same name (a second Metrics on one registry).
func register[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // a metric of the same name with other labels: a programming error
		}
		if old, ok := are.ExistingCollector.(T); ok {
			return old
		}
	}
	return c
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// Registry is the registry the metrics are on, for other packages to add
// theirs.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// observeIngest counts one message handed to the store by an ingest path
// (a webhook provider, a modem, an import), from what the store answered.
func (m *Metrics) observeIngest(source string, res store.Result, err error) {
	m.ingested.WithLabelValues(sourceLabel(source), outcome(res, err)).Inc()
}

// outcome names what storing a message did, as counted by observeIngest.
func outcome(res store.Result, err error) string {
	switch {
	case err != nil && store.KindOf(err) == store.KindInvalid:
		return OutcomeRefused
	case err != nil:
		return OutcomeFailed
	case res.Duplicate:
		return OutcomeDuplicate
	case !res.Published:
		return OutcomeUnpublished
	}
	return OutcomeStored
}

// sourceLabel keeps the label set small: "modem:/dev/ttyUSB0" and the like
// keep their kind and device, anything longer is cut.
func sourceLabel(s string) string {
	if s == "" {
		return "unknown"
	}
	// Prometheus refuses a label value that is not UTF-8, and a source
	// may be any text an import gave.
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 48 {
		cut := 48
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// Middleware counts and times every request by its route (the registered
// pattern, so that paths with keys do not each make a series).
func (m *Metrics) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			m.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(c.Response().Status)).Inc()
			m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
			return nil
		}
	}
}

// Register adds GET /metrics, /healthz (the process answers) and /readyz
// (the database answers and its schema is in place).
func (m *Metrics) Register(e *echo.Echo) {
	// The site compresses answers; compressing here too would do it twice.
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, DisableCompression: true})
	e.GET("/metrics", echo.WrapHandler(h)).Name = "ops.metrics"
	e.GET("/healthz", Healthz).Name = "ops.healthz"
	e.GET("/readyz", Readyz(m.st)).Name = "ops.readyz"
}

// Healthz answers 200 while the process serves requests.
func Healthz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// Readyz answers 200 when the database answers a query and its migrations
// are applied, 503 otherwise.
func Readyz(st *store.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "the database does not answer"})
		}
		v, err := st.SchemaVersion(ctx)
		if err != nil || v == 0 {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "the database schema is not in place"})
		}
		return c.JSON(http.StatusOK, map[string]any{"status": "ok", "schema": v})
	}
}
