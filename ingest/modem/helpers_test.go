package modem_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"smsinbox/ingest/modem"
	"smsinbox/ingest/modem/fakemodem"
	"smsinbox/ingest/pdu"
	"smsinbox/store"
)

// ourNumber is the SIM's number in the tests.
const ourNumber = "+27821234567"

// PDUs from public test suites (ingest-formats reference §3).
const (
	// python-gsmmodem test_modem.py, test_receiveSmsPduMode: "Hello world!"
	pduHello = "06917228195339040A9110325476980000313080512061800CC8329BFD06DDDF72363904"
	// python-gsmmodem fakemodems, AT+CMGL=4 responses.
	pduRaspberry = "07917248014000F3240B917247587706F400003110824115248012C8329BFD06C9C373B8B82C97E741F034"
	pduCellC     = "07917248010080F020109172480010359099990000312070101344809FCEF21D14769341E8B2BC0CA2BF41737A381F0211DFEE131DA4AECFE92079798C0ECBCF65D0B40A0D0E9141E9B1080ABBC9A073990ECABFEB7290BC3C4687E5E73219144ECBE9E976796594168BA06199CD1E82E86FD0B0CC660F41EDB47B0E3281A6CDE97C659497CB2072981E06D1DFA0FABC0C0ABBF3F474BBEC02514D4350180E67E75DA06199CD060D01"
	pduBank      = "07917248010080F0240B917248001064F30000312070604220809F537AD84D0ECBC92061D8BDD681B2EFBA1C141E8FDF75377D0E0ACBCB20F71BC47EBBCF6539C8981C0641E3771BCE4E87DD741708CA2E87E76590589E769F414922C80482CBDF6F33E86D06C9CBF334B9EC1E9741F43728ECCE83C4F2B07B8C06D1DF2079393CA6A7ED617A19947FD7E5A0F078FCAEBBE97317285A2FCBD3E5F90F04C3D96030D88C2693B900"
	// warthog618/modem gsm_test.go, +CMT: ,24 (empty SMSC field).
	pduDirect = "00040B911234567890F000000250100173832305C8329BFD06"
	// gammu tests/at-sms/02.dump: an SMS-SUBMIT left in the memory.
	pduSubmit = "0791361907001003B17A0C913619397750320000AD11CD701E340FB3C3F23CC81D0689C3BF"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// semiOctets encodes digits as swapped BCD.
func semiOctets(digits string) string {
	if len(digits)%2 == 1 {
		digits += "F"
	}
	var b strings.Builder
	for i := 0; i < len(digits); i += 2 {
		b.WriteByte(digits[i+1])
		b.WriteByte(digits[i])
	}
	return b.String()
}

const (
	testSMSC   = "07917248014000F3"
	testSender = "27831234567"
	testSCTS   = "62110201030000" // 2026-11-20 10:30:00 +00
)

func oa(digits string) string { return fmt.Sprintf("%02X91", len(digits)) + semiOctets(digits) }

// ucs2Part builds an SMS-DELIVER part (with SMSC) carrying UTF-16 units
// under an 8-bit concatenation header.
func ucs2Part(ref, total, seq int, units ...uint16) string {
	ud := fmt.Sprintf("050003%02X%02X%02X", ref, total, seq)
	for _, u := range units {
		ud += fmt.Sprintf("%04X", u)
	}
	return testSMSC + "44" + oa(testSender) + "0008" + testSCTS + fmt.Sprintf("%02X", len(ud)/2) + ud
}

// wapPush builds an 8-bit SMS-DELIVER to port 2948 (WAP push).
func wapPush(payload string) string {
	ud := "0605040B8423F0" + payload
	return testSMSC + "44" + oa(testSender) + "00F5" + testSCTS + fmt.Sprintf("%02X", len(ud)/2) + ud
}

// statusReport builds an SMS-STATUS-REPORT (with SMSC).
func statusReport() string {
	return testSMSC + "062A" + oa(testSender) + testSCTS + testSCTS + "00"
}

// sourceID is hex sha256 of the TPDU of a PDU with its SMSC in front.
func sourceID(t testing.TB, p string) string {
	t.Helper()
	b, err := hex.DecodeString(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b[1+int(b[0]):])
	return hex.EncodeToString(sum[:])
}

func openStore(t testing.TB, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path, store.Options{Now: func() time.Time { return time.Now() }})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	if _, err := st.AddNumber(context.Background(), "test", ourNumber, "modem"); err != nil && store.KindOf(err) != store.KindConflict {
		t.Fatalf("add number: %v", err)
	}
	return st
}

// rig runs a worker against a fake modem and a real store.
type rig struct {
	t    testing.TB
	path string
	st   *store.Store
	fake *fakemodem.Modem
	w    *modem.Worker

	cancel context.CancelFunc
	done   chan error
}

func newRig(t testing.TB, opts fakemodem.Options) *rig {
	t.Helper()
	r := &rig{t: t, path: filepath.Join(t.TempDir(), "t.db")}
	r.st = openStore(t, r.path)
	t.Cleanup(func() { r.st.Close() })
	r.fake = fakemodem.New(t, opts)
	r.fake.OnCommand(r.checkDelete)
	return r
}

func (r *rig) config() modem.Config {
	return modem.Config{
		Port:           r.fake.Path(),
		Number:         ourNumber,
		SweepEvery:     time.Hour,
		CommandTimeout: 2 * time.Second,
		ReopenBackoff:  50 * time.Millisecond,
		ReopenMax:      200 * time.Millisecond,
		Logger:         testLogger(),
		Now:            func() time.Time { return t0 },
	}
}

// start runs a worker until stop (or the test's end).
func (r *rig) start(cfg modem.Config) {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan error, 1)
	r.w = modem.New(r.st, cfg)
	go func() { r.done <- r.w.Run(ctx) }()
	r.t.Cleanup(func() { r.stop() })
}

// stop cancels the worker and returns what Run returned.
func (r *rig) stop() error {
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		return err
	case <-time.After(10 * time.Second):
		r.t.Errorf("worker did not stop")
		return errors.New("did not stop")
	}
}

// checkDelete runs when the fake modem receives a command: a delete must
// come after the message in that slot is committed.
func (r *rig) checkDelete(cmd string) {
	rest, ok := strings.CutPrefix(cmd, "AT+CMGD=")
	if !ok {
		return
	}
	var slot int
	fmt.Sscanf(rest, "%d", &slot)
	p, ok := r.fake.Slots()[slot]
	if !ok {
		return
	}
	d, err := pdu.DecodeHex(p, true)
	var nd *pdu.NotDeliverError
	if errors.As(err, &nd) {
		if nd.Type != "status_report" {
			r.t.Errorf("deleted slot %d holding a %s", slot, nd.Type)
		}
		return
	}
	if err != nil {
		r.t.Errorf("deleted slot %d holding an undecodable PDU", slot)
		return
	}
	if d.Concat != nil && d.Concat.Total > 1 {
		pending, err := r.st.PendingParts(context.Background())
		if err != nil {
			r.t.Errorf("pending parts: %v", err)
		}
		if pending == 0 && len(r.messages()) == 0 {
			r.t.Errorf("deleted part in slot %d before it was committed", slot)
		}
		return
	}
	id := sourceID(r.t, p)
	for _, m := range r.messages() {
		if m.SourceID == id {
			return
		}
	}
	r.t.Errorf("AT+CMGD=%d before the message in it was committed", slot)
}

// messages is every stored message, in storing order.
func (r *rig) messages() []store.Message {
	var out []store.Message
	if err := r.st.Export(context.Background(), true, func(m store.Message) error {
		out = append(out, m)
		return nil
	}); err != nil {
		r.t.Errorf("export: %v", err)
	}
	return out
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *rig) waitMessages(n int) []store.Message {
	r.t.Helper()
	var msgs []store.Message
	waitFor(r.t, fmt.Sprintf("%d stored messages", n), func() bool {
		msgs = r.messages()
		return len(msgs) >= n
	})
	return msgs
}

func (r *rig) waitCommand(cmd string, times int) {
	r.t.Helper()
	waitFor(r.t, fmt.Sprintf("%s received %d times", cmd, times), func() bool { return r.fake.Count(cmd) >= times })
}

func (r *rig) waitEmpty() {
	r.t.Helper()
	waitFor(r.t, "an empty modem memory", func() bool { return len(r.fake.Slots()) == 0 })
}

// inOrder checks that want appears in cmds in this order (others may be
// between them).
func inOrder(t testing.TB, cmds []string, want ...string) {
	t.Helper()
	i := 0
	for _, c := range cmds {
		if i < len(want) && c == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("commands %q do not contain %q in order (missing from %q)", cmds, want, want[i])
	}
}

func indexOf(cmds []string, cmd string) int {
	for i, c := range cmds {
		if c == cmd {
			return i
		}
	}
	return -1
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testLogger discards logs, or shows every AT line when MODEM_TEST_DEBUG is set.
func testLogger() *slog.Logger {
	if os.Getenv("MODEM_TEST_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
