// Package modem receives SMS from a GSM modem on a serial port and stores
// them: it sets the modem up in PDU mode, reads messages as the modem
// announces them (+CMTI, +CMT) and sweeps its memory every few minutes so
// that none is missed, and deletes a message from the modem only once it is
// committed in the database.
package modem

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smsinbox/store"
	"smsinbox/store/phone"
)

// Config configures one modem worker.
type Config struct {
	Port           string        // "/dev/ttyUSB0"
	Number         string        // the SIM's own number, E.164 (SIMs often do not know it); national-format senders are read in its country
	Baud           int           // default 115200
	PIN            string        // optional SIM PIN
	SweepEvery     time.Duration // default 2m
	PartsTimeout   time.Duration // default 10m
	CommandTimeout time.Duration // default 10s
	Logger         *slog.Logger
	Registerer     prometheus.Registerer // may be nil; modem state per port: connected, signal, messages, errors
	Now            func() time.Time

	// ReopenBackoff is the first wait before reopening a failed port; it
	// doubles up to ReopenMax. Defaults 1s and 1m.
	ReopenBackoff time.Duration
	ReopenMax     time.Duration
}

func (c Config) withDefaults() Config {
	if c.Baud <= 0 {
		c.Baud = 115200
	}
	if c.SweepEvery <= 0 {
		c.SweepEvery = 2 * time.Minute
	}
	if c.PartsTimeout <= 0 {
		c.PartsTimeout = 10 * time.Minute
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ReopenBackoff <= 0 {
		c.ReopenBackoff = time.Second
	}
	if c.ReopenMax <= 0 {
		c.ReopenMax = time.Minute
	}
	if c.ReopenMax < c.ReopenBackoff {
		c.ReopenMax = c.ReopenBackoff
	}
	return c
}

// Status is the state of one modem, for the status page.
type Status struct {
	Port          string
	Number        string
	Connected     bool      // the port is open and the modem is set up
	Since         time.Time // when it was last set up
	Signal        int       // AT+CSQ: 0-31, 99 unknown, -1 never read
	Operator      string
	Model         string
	Storage       string // message memory in use: "SM", "ME", ...
	LastMessageAt time.Time
	LastError     string
	LastErrorAt   time.Time
	Messages      int64 // messages stored by this worker since it started
}

// SignalDBm converts the AT+CSQ value to dBm; ok is false when unknown.
func (s Status) SignalDBm() (dbm int, ok bool) {
	if s.Signal < 0 || s.Signal > 31 {
		return 0, false
	}
	return -113 + 2*s.Signal, true
}

// Worker receives the messages of one modem.
type Worker struct {
	st     *store.Store
	cfg    Config
	log    *slog.Logger
	source string
	m      *metrics

	mu     sync.Mutex
	status Status

	// Messages committed whose delete may have failed (source id -> time),
	// and messages that cannot be stored (logged once).
	committed map[string]time.Time
	bad       map[string]bool
}

// New makes a worker that stores into st. Call Check first for a clear
// answer about the configuration.
func New(st *store.Store, cfg Config) *Worker {
	cfg = cfg.withDefaults()
	number := strings.TrimSpace(cfg.Number)
	if e164, _, err := phone.ParseNumber(number); err == nil {
		number = e164
	}
	cfg.Number = number
	w := &Worker{
		st:        st,
		cfg:       cfg,
		log:       cfg.Logger.With("port", cfg.Port),
		source:    "modem:" + number,
		m:         newMetrics(cfg.Registerer, cfg.Port),
		committed: map[string]time.Time{},
		bad:       map[string]bool{},
	}
	w.status = Status{Port: cfg.Port, Number: number, Signal: -1}
	return w
}

// Source is the source name the worker's messages are stored under.
func (w *Worker) Source() string { return w.source }

// Status returns the modem's current state.
func (w *Worker) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

func (w *Worker) update(fn func(*Status)) {
	w.mu.Lock()
	fn(&w.status)
	w.mu.Unlock()
}

func (w *Worker) fail(kind string, err error) {
	w.m.errors.WithLabelValues(w.cfg.Port, kind).Inc()
	w.update(func(s *Status) {
		s.LastError = err.Error()
		s.LastErrorAt = w.cfg.Now()
	})
}

// fatalError is a failure that retrying cannot fix.
type fatalError struct{ msg string }

func (e *fatalError) Error() string { return e.msg }

// Check validates cfg up front and tries to open the port, answering with
// one sentence that names the port and what to do.
func Check(cfg Config) error {
	if strings.TrimSpace(cfg.Port) == "" {
		return errors.New("no modem port given: pass the modem's device with --port, such as --port /dev/ttyUSB0")
	}
	if err := checkNumber(cfg); err != nil {
		return err
	}
	if cfg.Baud < 0 {
		return fmt.Errorf("baud rate %d for modem %s is not valid: leave it out for 115200", cfg.Baud, cfg.Port)
	}
	cfg = cfg.withDefaults()
	p, err := openPort(cfg.Port, cfg.Baud)
	if err != nil {
		return err
	}
	return p.Close()
}

func checkNumber(cfg Config) error {
	n := strings.TrimSpace(cfg.Number)
	if n == "" {
		return fmt.Errorf("no number given for the modem at %s: pass the SIM's own number in E.164 form with --number, such as --number +447400123456 (SIMs often do not know it)", cfg.Port)
	}
	if _, _, err := phone.ParseNumber(n); err != nil {
		return fmt.Errorf("number %q for the modem at %s is not an E.164 number: write it with + and the country code, such as +447400123456", n, cfg.Port)
	}
	return nil
}

// Run receives messages until ctx ends, reopening the port with backoff
// when it fails. It returns nil when ctx ends, and an error only for what
// retrying cannot fix (a SIM that wants a PIN, a wrong number).
func (w *Worker) Run(ctx context.Context) error {
	if err := checkNumber(w.cfg); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	flushCtx, stopFlush := context.WithCancel(ctx)
	defer stopFlush()
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.flushLoop(flushCtx)
	}()

	wait := w.cfg.ReopenBackoff
	for {
		s := &session{w: w}
		err := s.run(ctx)
		w.m.connected.WithLabelValues(w.cfg.Port).Set(0)
		w.update(func(st *Status) { st.Connected = false })
		if ctx.Err() != nil {
			return nil
		}
		if s.ready {
			wait = w.cfg.ReopenBackoff
		}
		var fatal *fatalError
		var pe *portError
		switch {
		case errors.As(err, &fatal):
			w.fail("fatal", err)
			return err
		case errors.As(err, &pe) && pe.fatal:
			w.fail("open", err)
			return err
		}
		if err == nil {
			err = errors.New("the modem session ended")
		}
		w.fail("session", err)
		w.log.Warn("modem unavailable, retrying", "err", err.Error(), "retry_in", wait.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, w.cfg.ReopenMax)
	}
}

// flushLoop publishes multi-part messages whose parts stopped coming.
func (w *Worker) flushLoop(ctx context.Context) {
	w.st.RunPartsFlusher(ctx, w.cfg.PartsTimeout, func(n int, err error) {
		if err != nil {
			w.fail("store", err)
			w.log.Error("publishing incomplete multi-part messages failed", "err", err.Error())
			return
		}
		w.log.Info("published incomplete multi-part messages", "messages", n)
	})
}

type metrics struct {
	connected *prometheus.GaugeVec
	signal    *prometheus.GaugeVec
	messages  *prometheus.CounterVec
	errors    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, port string) *metrics {
	m := &metrics{
		connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "smsinbox_modem_connected", Help: "Whether the modem on the port is open and set up (1) or not (0).",
		}, []string{"port"}),
		signal: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "smsinbox_modem_signal_dbm", Help: "Signal strength the modem reports (AT+CSQ), in dBm.",
		}, []string{"port"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smsinbox_modem_messages_total", Help: "Messages the modem worker stored.",
		}, []string{"port"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smsinbox_modem_errors_total", Help: "Modem worker errors by kind.",
		}, []string{"port", "kind"}),
	}
	if reg != nil {
		m.connected = register(reg, m.connected)
		m.signal = register(reg, m.signal)
		m.messages = register(reg, m.messages)
		m.errors = register(reg, m.errors)
	}
	m.connected.WithLabelValues(port).Set(0)
	m.messages.WithLabelValues(port)
	return m
}

// register registers c, or returns the collector already registered under
// its name (several workers share one registry).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
