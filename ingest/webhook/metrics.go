package webhook

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Request outcomes, the values of the outcome label.
const (
	outcomeStored     = "stored"
	outcomeDuplicate  = "duplicate"
	outcomePart       = "part"
	outcomeIgnored    = "ignored"
	outcomeUnauth     = "unauthorized"
	outcomeStale      = "stale"
	outcomeTooLarge   = "too_large"
	outcomeBad        = "bad_request"
	outcomeStoreError = "store_error"
)

type metrics struct {
	requests  *prometheus.CounterVec
	sigFailed *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smsinbox_webhook_requests_total",
			Help: "Webhook requests by provider and outcome.",
		}, []string{"provider", "outcome"}),
		sigFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smsinbox_webhook_signature_failures_total",
			Help: "Webhook requests refused for a missing or wrong signature, token or timestamp.",
		}, []string{"provider"}),
	}
	if reg != nil {
		m.requests = register(reg, m.requests)
		m.sigFailed = register(reg, m.sigFailed)
	}
	return m
}

// register adds c to reg, or returns the collector registered before under
// the same name (when handlers are built twice on one registry).
func register(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return old
			}
		}
	}
	return c
}

func (m *metrics) count(provider, outcome string) {
	m.requests.WithLabelValues(provider, outcome).Inc()
}
