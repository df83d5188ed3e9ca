package modem

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"smsinbox/ingest/modem/at"
)

// session is one open port: set the modem up, then receive until the port
// fails or ctx ends.
type session struct {
	w        *Worker
	c        *at.Conn
	ready    bool   // the modem was set up
	mem      string // memory read and deleted from ("" when the modem's default)
	timeouts int    // consecutive command timeouts
	sweepNow bool
}

// Transient +CMS/+CME errors: retried with backoff.
var transient = map[int]bool{
	14:  true, // +CME SIM busy
	300: true, // ME failure
	314: true, // SIM busy
	500: true, // unknown error
	512: true, // manufacturer specific, often "try again"
}

func (s *session) run(ctx context.Context) error {
	w := s.w
	port, err := openPort(w.cfg.Port, w.cfg.Baud)
	if err != nil {
		return err
	}
	var trace func(bool, string)
	if w.log.Enabled(ctx, slog.LevelDebug) {
		trace = func(out bool, line string) {
			dir := "<-"
			if out {
				dir = "->"
			}
			w.log.Debug("at", "dir", dir, "line", line)
		}
	}
	s.c = at.NewConn(port, w.cfg.CommandTimeout, trace)
	defer s.c.Close()
	if err := s.setup(ctx); err != nil {
		return err
	}
	s.ready = true
	w.m.connected.WithLabelValues(w.cfg.Port).Set(1)
	w.update(func(st *Status) { st.Connected = true; st.Since = w.cfg.Now(); st.Storage = s.mem })
	w.log.Info("modem ready", "storage", s.mem)
	return s.loop(ctx)
}

// cmd runs one command, retrying transient errors and one timeout.
func (s *session) cmd(ctx context.Context, cmd string) ([]string, error) {
	delay := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		resp, err := s.c.Command(ctx, cmd)
		if err == nil {
			s.timeouts = 0
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if at.IsTimeout(err) {
			s.timeouts++
			s.w.m.errors.WithLabelValues(s.w.cfg.Port, "timeout").Inc()
			if s.timeouts >= 2 {
				return nil, fmt.Errorf("the modem at %s stopped answering (%s): it is reopened", s.w.cfg.Port, cmd)
			}
			continue
		}
		var ae *at.Error
		if !errors.As(err, &ae) {
			return nil, err // the port failed
		}
		s.timeouts = 0
		if ae.Code == 322 || ae.Code == 20 {
			s.sweepNow = true
		}
		if transient[ae.Code] && attempt < 3 {
			s.w.m.errors.WithLabelValues(s.w.cfg.Port, "retry").Inc()
			if err := sleep(ctx, delay); err != nil {
				return nil, err
			}
			delay *= 2
			continue
		}
		return nil, err
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// info returns the value of the first response line named name.
func info(lines []string, name string) (string, bool) {
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, name+":"); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}

// setup runs the modem's initialisation.
func (s *session) setup(ctx context.Context) error {
	w := s.w
	port := w.cfg.Port
	wake := min(w.cfg.CommandTimeout, 3*time.Second)
	answered := false
	for range 3 {
		_, err := s.c.CommandTimeout(ctx, "AT", wake)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ae *at.Error
		if err == nil || errors.As(err, &ae) {
			answered = true
			break
		}
		if !at.IsTimeout(err) {
			return err
		}
	}
	if !answered {
		return fmt.Errorf("%s does not answer AT commands: check that it is the modem's AT port (USB modems show several ports; try the others) and that the baud rate is right", port)
	}
	s.optional(ctx, "ATE0")
	s.optional(ctx, "AT+CMEE=1")
	model := []string{}
	for _, c := range []string{"AT+CGMI", "AT+CGMM"} {
		if resp, err := s.c.Command(ctx, c); err == nil && len(resp) > 0 {
			model = append(model, strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(resp[0], "+CGMI:"), "+CGMM:")))
		}
	}
	w.update(func(st *Status) { st.Model = strings.Join(model, " ") })
	if err := s.unlock(ctx); err != nil {
		return err
	}
	if _, err := s.cmd(ctx, "AT+CMGF=0"); err != nil {
		if at.Code(err) == 11 || at.Code(err) == 311 {
			return s.pinError()
		}
		return fmt.Errorf("the modem at %s refused PDU mode (AT+CMGF=0): %w", port, err)
	}
	s.storage(ctx)
	s.indications(ctx)
	s.signal(ctx)
	return nil
}

// optional runs a command whose failure does not matter.
func (s *session) optional(ctx context.Context, cmd string) []string {
	resp, err := s.cmd(ctx, cmd)
	if err != nil && ctx.Err() == nil {
		s.w.log.Debug("optional command failed", "cmd", cmd, "err", err.Error())
	}
	return resp
}

func (s *session) pinError() error {
	return &fatalError{fmt.Sprintf("the SIM in the modem at %s wants its PIN: pass it with --pin (or SMSINBOX_PIN), or remove the PIN lock by putting the SIM in a phone", s.w.cfg.Port)}
}

// unlock makes sure the SIM is ready, entering the PIN when configured.
func (s *session) unlock(ctx context.Context) error {
	port := s.w.cfg.Port
	sentPIN := false
	for try := 0; try < 10; try++ {
		resp, err := s.cmd(ctx, "AT+CPIN?")
		if err != nil {
			switch at.Code(err) {
			case 10, 310:
				return fmt.Errorf("the modem at %s has no SIM card: insert one", port)
			case 14, 314:
				if err := sleep(ctx, time.Second); err != nil {
					return err
				}
				continue
			}
			var ae *at.Error
			if errors.As(err, &ae) {
				// Some modems do not know AT+CPIN?; go on and see.
				return nil
			}
			return err
		}
		state, _ := info(resp, "+CPIN")
		switch strings.ToUpper(state) {
		case "READY", "":
			return nil
		case "SIM PIN":
			if sentPIN {
				// Entered; the SIM needs a moment.
				if err := sleep(ctx, time.Second); err != nil {
					return err
				}
				continue
			}
			if s.w.cfg.PIN == "" {
				return s.pinError()
			}
			_, err := s.c.Command(ctx, `AT+CPIN="`+s.w.cfg.PIN+`"`)
			if err != nil {
				if at.Code(err) == 16 || at.Code(err) == 12 {
					return &fatalError{fmt.Sprintf("the SIM in the modem at %s refused the PIN: check it (after three wrong tries the SIM wants its PUK)", port)}
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("entering the PIN of the SIM in the modem at %s failed: %w", port, err)
			}
			sentPIN = true
			if err := sleep(ctx, 500*time.Millisecond); err != nil {
				return err
			}
		case "SIM PUK", "SIM PUK2":
			return &fatalError{fmt.Sprintf("the SIM in the modem at %s is blocked and wants its PUK: unblock it in a phone", port)}
		default:
			return &fatalError{fmt.Sprintf("the SIM in the modem at %s wants %q: unlock it in a phone", port, state)}
		}
	}
	return fmt.Errorf("the SIM in the modem at %s did not become ready", port)
}

// Memory preference: the SIM works on every modem.
var memories = []string{"SM", "ME", "MT"}

// storage chooses the message memory from what AT+CPMS=? offers.
func (s *session) storage(ctx context.Context) {
	resp, err := s.cmd(ctx, "AT+CPMS=?")
	args, ok := info(resp, "+CPMS")
	if err != nil || !ok {
		return // the modem's default memory
	}
	lists := at.ParseCPMSTest(args)
	if len(lists) == 0 || len(lists[0]) == 0 {
		return
	}
	recv := lists[0]
	if len(lists) >= 3 && len(lists[2]) > 0 {
		recv = lists[2]
	}
	var candidates []string
	for _, m := range memories {
		if slices.Contains(lists[0], m) && slices.Contains(recv, m) {
			candidates = append(candidates, m)
		}
	}
	for _, m := range lists[0] {
		if slices.Contains(recv, m) && !slices.Contains(candidates, m) {
			candidates = append(candidates, m)
		}
	}
	for _, m := range candidates {
		params := []string{`"` + m + `"`}
		for _, l := range lists[1:min(len(lists), 3)] {
			p := m
			if !slices.Contains(l, m) && len(l) > 0 {
				p = l[0]
			}
			params = append(params, `"`+p+`"`)
		}
		resp, err := s.cmd(ctx, "AT+CPMS="+strings.Join(params, ","))
		if err != nil {
			continue
		}
		args, _ := info(resp, "+CPMS")
		used, total, ok := at.ParseCPMS(args)
		if ok && total == 0 {
			continue
		}
		s.mem = m
		if ok && used >= total {
			s.sweepNow = true
		}
		return
	}
}

// indications chooses new-message indications from what AT+CNMI=? offers:
// stored with +CMTI where possible, else delivered with +CMT.
func (s *session) indications(ctx context.Context) {
	resp, err := s.cmd(ctx, "AT+CNMI=?")
	args, ok := info(resp, "+CNMI")
	var tries []string
	if err == nil && ok {
		if c := chooseCNMI(at.ParseCNMITest(args)); c != "" {
			tries = append(tries, c)
		}
	}
	tries = append(tries, "2,1,0,0,0", "1,1,0,0,0", "2,1")
	for _, t := range tries {
		if strings.HasPrefix(t, "2,2") || strings.HasPrefix(t, "1,2") || strings.HasPrefix(t, "3,2") {
			// Direct delivery: ask for acknowledgements so a message the
			// worker failed to store is delivered again.
			s.optional(ctx, "AT+CSMS=1")
		}
		if _, err := s.cmd(ctx, "AT+CNMI="+t); err == nil {
			return
		}
	}
	s.w.log.Warn("the modem takes no new-message indications; messages arrive with each sweep", "sweep_every", s.w.cfg.SweepEvery.String())
}

// chooseCNMI picks <mode>,<mt>,<bm>,<ds>,<bfr> from the allowed values.
func chooseCNMI(allowed [][]int) string {
	if len(allowed) < 2 {
		return ""
	}
	prefs := [][]int{{2, 1, 3}, {1, 2, 3}, {0}, {0, 2, 1}, {0, 1}}
	var out []string
	for i, vals := range allowed {
		if i >= len(prefs) || len(vals) == 0 {
			break
		}
		pick := vals[0]
		for _, p := range prefs[i] {
			if slices.Contains(vals, p) {
				pick = p
				break
			}
		}
		if i == 1 && pick == 0 {
			return "" // no indications at all: sweeps only
		}
		out = append(out, fmt.Sprint(pick))
	}
	return strings.Join(out, ",")
}

// signal reads the signal quality and operator for the status page.
func (s *session) signal(ctx context.Context) {
	w := s.w
	if resp, err := s.cmd(ctx, "AT+CSQ"); err == nil {
		if args, ok := info(resp, "+CSQ"); ok {
			if rssi, ok := at.ParseCSQ(args); ok {
				w.update(func(st *Status) { st.Signal = rssi })
				if dbm, ok := (Status{Signal: rssi}).SignalDBm(); ok {
					w.m.signal.WithLabelValues(w.cfg.Port).Set(float64(dbm))
				}
			}
		}
	}
	if resp, err := s.cmd(ctx, "AT+COPS?"); err == nil {
		if args, ok := info(resp, "+COPS"); ok {
			op := at.ParseCOPS(args)
			w.update(func(st *Status) { st.Operator = op })
		}
	}
}

// loop receives until the port fails or ctx ends.
func (s *session) loop(ctx context.Context) error {
	sweep := time.NewTicker(s.w.cfg.SweepEvery)
	defer sweep.Stop()
	if err := s.sweep(ctx); err != nil {
		return err
	}
	for {
		if err := s.handleURCs(ctx); err != nil {
			return err
		}
		if s.sweepNow {
			if err := s.sweep(ctx); err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-s.c.Lines():
			if !ok {
				return fmt.Errorf("lost the modem at %s: %w", s.w.cfg.Port, s.c.Err())
			}
			if !s.c.Idle(line) {
				s.w.log.Debug("stray line from the modem", "line", line)
			}
		case <-sweep.C:
			if err := s.sweep(ctx); err != nil {
				return err
			}
			s.signal(ctx)
		}
	}
}

// alive reports whether an error leaves the session usable: AT errors do,
// a failed port or a modem that stopped answering does not.
func alive(err error) bool {
	var ae *at.Error
	return err == nil || errors.As(err, &ae)
}

func (s *session) sweep(ctx context.Context) error {
	s.sweepNow = false
	if ctx.Err() != nil {
		return nil
	}
	readAt := s.w.cfg.Now()
	resp, err := s.cmd(ctx, "AT+CMGL=4")
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		s.w.fail("command", err)
		s.w.log.Warn("listing messages failed", "err", err.Error())
		if alive(err) {
			return nil
		}
		return err
	}
	msgs, skipped := at.ParseMessages(resp, true)
	for _, l := range skipped {
		s.w.log.Warn("unreadable line in the message list", "line", l)
		s.w.m.errors.WithLabelValues(s.w.cfg.Port, "garbage").Inc()
	}
	var batch []entry
	for _, m := range msgs {
		batch = append(batch, entry{slot: m.Index, stored: m, readAt: readAt})
	}
	return s.process(ctx, batch)
}

// handleURCs acts on the unsolicited result codes received so far: new
// message indications are read, stored and deleted in batches.
func (s *session) handleURCs(ctx context.Context) error {
	for {
		urcs := s.c.URCs()
		if len(urcs) == 0 {
			return nil
		}
		var batch []entry
		var direct []at.URC
		seen := map[string]bool{}
		for _, u := range urcs {
			switch strings.ToUpper(u.Name) {
			case "+CMTI":
				mem, idx, ok := at.ParseCMTI(u.Args)
				if !ok {
					s.w.log.Warn("unreadable new-message indication", "args", u.Args)
					s.sweepNow = true
					continue
				}
				key := fmt.Sprint(mem, idx)
				if seen[key] {
					continue
				}
				seen[key] = true
				e, err := s.read(ctx, mem, idx)
				if err != nil {
					if !alive(err) {
						return err
					}
					s.w.fail("command", err)
					s.w.log.Warn("reading a new message failed; the next sweep reads it", "slot", idx, "err", err.Error())
					s.sweepNow = true
					continue
				}
				batch = append(batch, e...)
			case "+CMT":
				direct = append(direct, u)
			case "+CDS":
				// A status report delivered directly: acknowledge, skip.
				if _, err := s.c.Command(ctx, "AT+CNMA"); err != nil && !alive(err) {
					return err
				}
			case "+CDSI":
				s.sweepNow = true // the sweep deletes stored status reports
			case "^SMMEMFULL":
				s.sweepNow = true
			}
		}
		if err := s.process(ctx, batch); err != nil {
			return err
		}
		for _, u := range direct {
			if err := s.directDelivery(ctx, u); err != nil {
				return err
			}
		}
	}
}

// read reads one slot named by an indication; an empty slot gives nothing.
// A slot in another memory than the one in use is stored and deleted here,
// while that memory is selected.
func (s *session) read(ctx context.Context, mem string, idx int) ([]entry, error) {
	other := mem != "" && s.mem != "" && mem != s.mem
	if other {
		if _, err := s.cmd(ctx, `AT+CPMS="`+mem+`"`); err != nil {
			return nil, err
		}
		defer s.cmd(ctx, `AT+CPMS="`+s.mem+`"`)
	}
	readAt := s.w.cfg.Now()
	resp, err := s.cmd(ctx, fmt.Sprintf("AT+CMGR=%d", idx))
	if err != nil {
		if at.Code(err) == 321 {
			return nil, nil // already gone: treat as empty
		}
		return nil, err
	}
	msgs, skipped := at.ParseMessages(resp, false)
	for _, l := range skipped {
		s.w.log.Warn("unreadable line in a message", "line", l)
	}
	var out []entry
	for _, m := range msgs {
		out = append(out, entry{slot: idx, stored: m, readAt: readAt})
	}
	if other {
		return nil, s.process(ctx, out)
	}
	return out, nil
}
