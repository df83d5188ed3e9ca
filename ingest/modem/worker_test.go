package modem_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smsinbox/ingest/modem"
	"smsinbox/ingest/modem/fakemodem"
	"smsinbox/store"
)

func TestStoreAndNotify(t *testing.T) {
	r := newRig(t, fakemodem.Options{})
	reg := prometheus.NewRegistry()
	cfg := r.config()
	cfg.Registerer = reg
	r.start(cfg)
	// A second worker on the same registry shares its metrics.
	modem.New(r.st, modem.Config{Port: "/dev/ttyOTHER", Number: ourNumber, Registerer: reg})
	r.waitCommand("AT+CMGL=4", 1)

	slot := r.fake.Deliver(pduHello)
	msgs := r.waitMessages(1)
	r.waitEmpty()

	m := msgs[0]
	if got, want := m.Body, "Hello world!"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if got, want := m.From, "+0123456789"; got != want {
		t.Errorf("from = %q, want %q", got, want)
	}
	if got, want := m.Number, ourNumber; got != want {
		t.Errorf("number = %q, want %q", got, want)
	}
	if got, want := m.Source, "modem:"+ourNumber; got != want {
		t.Errorf("source = %q, want %q", got, want)
	}
	if got, want := m.SourceID, sourceID(t, pduHello); got != want {
		t.Errorf("source id = %q, want %q", got, want)
	}
	// SCTS 13-03-08 15:02:16 +02:00 (python-gsmmodem's expectation).
	if got, want := m.SentAt, time.Date(2013, 3, 8, 13, 2, 16, 0, time.UTC); !got.Equal(want) {
		t.Errorf("sent at = %v, want %v", got, want)
	}
	if !m.ReceivedAt.Equal(t0) {
		t.Errorf("received at = %v, want the worker's clock %v", m.ReceivedAt, t0)
	}

	cmds := r.fake.Commands()
	inOrder(t, cmds, "AT", "ATE0", "AT+CMEE=1", "AT+CPIN?", "AT+CMGF=0", "AT+CPMS=?", `AT+CPMS="SM","SM","SM"`,
		"AT+CNMI=?", "AT+CNMI=2,1,0,0,0", "AT+CMGL=4", "AT+CMGR="+itoa(slot), "AT+CMGD="+itoa(slot))
	if i := indexOf(cmds, "AT+CSMS=1"); i >= 0 {
		t.Errorf("AT+CSMS=1 sent although indications are stored (+CMTI)")
	}
	st := r.w.Status()
	if !st.Connected || st.Signal != 21 || st.Operator != "Fake Net" || st.Storage != "SM" || st.Messages != 1 {
		t.Errorf("status = %+v", st)
	}
	port := r.fake.Path()
	if got := metricValue(t, reg, "smsinbox_modem_messages_total", port); got != 1 {
		t.Errorf("messages metric = %v, want 1", got)
	}
	if got := metricValue(t, reg, "smsinbox_modem_connected", port); got != 1 {
		t.Errorf("connected metric = %v, want 1", got)
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run returned %v after cancel", err)
	}
	if got := metricValue(t, reg, "smsinbox_modem_connected", port); got != 0 {
		t.Errorf("connected metric = %v after stop, want 0", got)
	}
	if r.w.Status().Connected {
		t.Errorf("still connected after stop")
	}
}

// metricValue is the value of the metric name{port} in reg.
func metricValue(t *testing.T, reg *prometheus.Registry, name, port string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "port" && l.GetValue() == port {
					return m.GetGauge().GetValue() + m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no metric %s{port=%q}", name, port)
	return 0
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDirectDelivery(t *testing.T) {
	// A modem that only delivers directly: +CNMI: (1),(2),(0),(0),(0).
	r := newRig(t, fakemodem.Options{CNMITest: "(1),(2),(0),(0),(0)"})
	acked := make(chan int, 4)
	r.fake.OnCommand(func(cmd string) {
		if cmd == "AT+CNMA" {
			acked <- len(r.messages())
		}
	})
	r.start(r.config())
	r.waitCommand("AT+CMGL=4", 1)
	r.fake.DeliverDirect(pduDirect)
	msgs := r.waitMessages(1)
	select {
	case n := <-acked:
		if n != 1 {
			t.Errorf("AT+CNMA sent with %d messages stored, want it after the commit", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no AT+CNMA")
	}
	if got, want := msgs[0].Body, "Hello"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if got, want := msgs[0].From, "+21436587090"; got != want {
		t.Errorf("from = %q, want %q", got, want)
	}
	b, _ := hex.DecodeString(pduDirect)
	if got, want := msgs[0].SourceID, sha256Hex(b[1:]); got != want {
		t.Errorf("source id = %q, want %q", got, want)
	}
	inOrder(t, r.fake.Commands(), "AT+CNMI=?", "AT+CSMS=1", "AT+CNMI=1,2,0,0,0", "AT+CNMA")
	if n := r.fake.Count("AT+CMGD=1"); n != 0 {
		t.Errorf("deleted a slot for a direct delivery")
	}
}

func TestSweepWithGarbage(t *testing.T) {
	r := newRig(t, fakemodem.Options{})
	// Messages that arrived while nobody listened, a status report, and an
	// outgoing message a phone left in the memory.
	s1 := r.fake.Store(pduRaspberry)
	s2 := r.fake.Store(pduCellC)
	s3 := r.fake.Store(statusReport())
	s4 := r.fake.Store(pduSubmit)
	s5 := r.fake.Store(pduBank)
	// python-gsmmodem's garbage line, and unsolicited lines in the middle
	// of the listing, one announcing a slot the listing also holds.
	r.fake.Interleave("AT+CMGL=4", "AFSDLF SDKFJSKDLFJLKSDJF SDKFJSDKLFJ", "^RSSI: 17", "RING", `+CMTI: "SM",`+itoa(s5))
	r.start(r.config())

	msgs := r.waitMessages(3)
	waitFor(t, "the listed messages deleted", func() bool {
		slots := r.fake.Slots()
		return len(slots) == 1
	})
	slots := r.fake.Slots()
	if _, ok := slots[s4]; !ok {
		t.Errorf("the SMS-SUBMIT in slot %d was deleted; only received messages are", s4)
	}
	r.waitCommand("AT+CMGR="+itoa(s5), 1)
	time.Sleep(100 * time.Millisecond)
	msgs = r.messages()
	if len(msgs) != 3 {
		t.Fatalf("stored %d messages, want 3 (each once)", len(msgs))
	}
	want := map[string]string{
		"+27748577604":      "Hello raspberry pi",
		"+27840001463":      "Standard Bank: Your accounts are no longer FICA compliant.",
		"+2784000153099999": "New and here to stay!",
	}
	for _, m := range msgs {
		if !strings.HasPrefix(m.Body, want[m.From]) || want[m.From] == "" {
			t.Errorf("message from %q = %q", m.From, m.Body)
		}
	}
	cmds := r.fake.Commands()
	for _, s := range []int{s1, s2, s3, s5} {
		if r.fake.Count("AT+CMGD="+itoa(s)) != 1 {
			t.Errorf("slot %d deleted %d times, want once", s, r.fake.Count("AT+CMGD="+itoa(s)))
		}
	}
	// The indication for an already listed slot reads nothing and deletes nothing twice.
	if i, j := indexOf(cmds, "AT+CMGD="+itoa(s5)), indexOf(cmds, "AT+CMGR="+itoa(s5)); i < 0 || j < i {
		t.Errorf("commands %q: want the sweep's delete of slot %d before the indication's read", cmds, s5)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestMultipartOutOfOrderAcrossRestart(t *testing.T) {
	// "Hi 😀 there" split so that the emoji's surrogate pair straddles
	// parts 1 and 2.
	units := []uint16{'H', 'i', ' ', 0xD83D, 0xDE00, ' ', 't', 'h', 'e', 'r', 'e'}
	p1 := ucs2Part(0x42, 3, 1, units[:4]...)
	p2 := ucs2Part(0x42, 3, 2, units[4:8]...)
	p3 := ucs2Part(0x42, 3, 3, units[8:]...)

	r := newRig(t, fakemodem.Options{})
	r.start(r.config())
	r.waitCommand("AT+CMGL=4", 1)
	r.fake.Deliver(p3)
	r.fake.Deliver(p1)
	waitFor(t, "two parts kept", func() bool {
		n, _ := r.st.PendingParts(context.Background())
		return n == 2
	})
	r.waitEmpty()
	if n := len(r.messages()); n != 0 {
		t.Fatalf("%d messages published before all parts arrived", n)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	r.st.Close()

	// Restart: a new store handle and worker; the last part arrives.
	r.st = openStore(t, r.path)
	t.Cleanup(func() { r.st.Close() })
	r.fake.Deliver(p2)
	r.start(r.config())
	msgs := r.waitMessages(1)
	r.waitEmpty()
	m := msgs[0]
	if got, want := m.Body, "Hi 😀 there"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if m.Parts != 3 || m.Incomplete {
		t.Errorf("parts = %d, incomplete = %v; want 3, false", m.Parts, m.Incomplete)
	}
	if got, want := m.From, "+"+testSender; got != want {
		t.Errorf("from = %q, want %q", got, want)
	}
	if n, _ := r.st.PendingParts(context.Background()); n != 0 {
		t.Errorf("%d parts left after assembly", n)
	}
}

func TestIncompleteMultipartFlushed(t *testing.T) {
	r := newRig(t, fakemodem.Options{})
	cfg := r.config()
	cfg.PartsTimeout = 200 * time.Millisecond
	r.start(cfg)
	r.waitCommand("AT+CMGL=4", 1)
	r.fake.Deliver(ucs2Part(7, 2, 1, 'A', 'B'))
	msgs := r.waitMessages(1)
	if got, want := msgs[0].Body, "AB"+store.GapMarker; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if !msgs[0].Incomplete || msgs[0].Parts != 2 {
		t.Errorf("incomplete = %v, parts = %d; want true, 2", msgs[0].Incomplete, msgs[0].Parts)
	}
}

func TestBinaryAndStatusReport(t *testing.T) {
	r := newRig(t, fakemodem.Options{})
	r.start(r.config())
	r.waitCommand("AT+CMGL=4", 1)
	r.fake.Deliver(statusReport())
	r.fake.Deliver(wapPush("01060403AE81EA"))
	msgs := r.waitMessages(1)
	r.waitEmpty()
	m := msgs[0]
	if m.Body != "" {
		t.Errorf("binary message stored with text %q", m.Body)
	}
	if got, want := hex.EncodeToString(m.Binary), "01060403ae81ea"; got != want {
		t.Errorf("binary = %s, want %s", got, want)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(r.messages()); n != 1 {
		t.Errorf("stored %d messages; the status report must be skipped", n)
	}
}

func TestFailedDeleteRetried(t *testing.T) {
	r := newRig(t, fakemodem.Options{})
	r.fake.Script("AT+CMGD=1", "+CMS ERROR: 300")
	r.start(r.config())
	r.waitCommand("AT+CMGL=4", 1)
	r.fake.Deliver(pduHello)
	r.waitMessages(1)
	r.waitEmpty()
	if n := r.fake.Count("AT+CMGD=1"); n != 2 {
		t.Errorf("AT+CMGD=1 sent %d times, want 2 (failed, then retried)", n)
	}

	// A delete that keeps failing is left to the next sweep, which finds
	// the message committed and deletes it without storing it again.
	r.fake.Script("AT+CMGD=1", "+CMS ERROR: 300", "+CMS ERROR: 300", "+CMS ERROR: 300", "+CMS ERROR: 300")
	r.fake.Deliver(pduRaspberry)
	r.waitMessages(2)
	r.waitCommand("AT+CMGD=1", 6)
	if len(r.fake.Slots()) != 1 {
		t.Fatalf("slot emptied although every delete failed")
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	cfg := r.config()
	cfg.SweepEvery = 100 * time.Millisecond
	r.start(cfg)
	r.waitEmpty()
	if n := len(r.messages()); n != 2 {
		t.Errorf("stored %d messages, want 2: a message seen again is stored once", n)
	}
}

func TestModemDisappearsAndComesBack(t *testing.T) {
	r := newRig(t, fakemodem.Options{})
	r.start(r.config())
	r.waitCommand("AT+CMGL=4", 1)
	r.fake.Deliver(pduHello)
	r.waitMessages(1)

	r.fake.Unplug()
	waitFor(t, "the worker to notice", func() bool {
		st := r.w.Status()
		return !st.Connected && st.LastError != ""
	})
	// A message arrives while the modem is away, without an indication.
	r.fake.Store(pduRaspberry)
	time.Sleep(150 * time.Millisecond) // a few failed reopen attempts
	if !strings.Contains(r.w.Status().LastError, r.fake.Path()) {
		t.Errorf("last error %q does not name the port", r.w.Status().LastError)
	}
	r.fake.Plug()
	msgs := r.waitMessages(2)
	r.waitEmpty()
	if msgs[1].Body != "Hello raspberry pi" {
		t.Errorf("second message = %q", msgs[1].Body)
	}
	waitFor(t, "connected again", func() bool { return r.w.Status().Connected })
	if n := r.fake.Count("AT+CMGF=0"); n != 2 {
		t.Errorf("modem set up %d times, want 2", n)
	}
}

func TestModemStopsAnswering(t *testing.T) {
	r := newRig(t, fakemodem.Options{})
	cfg := r.config()
	cfg.CommandTimeout = 200 * time.Millisecond
	cfg.SweepEvery = 300 * time.Millisecond
	r.start(cfg)
	r.waitCommand("AT+CMGL=4", 1)
	r.fake.SetSilent(true)
	waitFor(t, "the worker to give up on the silent modem", func() bool {
		return strings.Contains(r.w.Status().LastError, "stopped answering") || strings.Contains(r.w.Status().LastError, "does not answer")
	})
	r.fake.Store(pduHello)
	r.fake.SetSilent(false)
	r.waitMessages(1)
	r.waitEmpty()
	waitFor(t, "connected again", func() bool { return r.w.Status().Connected })
}

func TestSlowModem(t *testing.T) {
	r := newRig(t, fakemodem.Options{})
	for _, p := range []string{pduHello, pduRaspberry, pduCellC, pduBank} {
		r.fake.Store(p)
	}
	// Each line takes 100 ms: the listing (9 lines) takes longer than the
	// command timeout, but no single line does, with room for a busy
	// machine.
	r.fake.SetDelay(100 * time.Millisecond)
	cfg := r.config()
	cfg.CommandTimeout = 600 * time.Millisecond
	r.start(cfg)
	r.waitMessages(4)
	r.waitEmpty()
	if n := r.fake.Count("AT+CMGL=4"); n != 1 {
		t.Errorf("listed %d times, want once (no timeout)", n)
	}
	if r.fake.Count("AT+CMGF=0") != 1 {
		t.Errorf("the modem was set up again: a timeout was hit")
	}
}

func TestPIN(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		r := newRig(t, fakemodem.Options{PIN: "1234"})
		r.start(r.config())
		select {
		case err := <-r.done:
			r.cancel = nil
			if err == nil || !strings.Contains(err.Error(), r.fake.Path()) || !strings.Contains(err.Error(), "PIN") {
				t.Errorf("Run = %v, want one sentence naming the port and the PIN", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run kept retrying a SIM that wants a PIN")
		}
	})
	t.Run("wrong", func(t *testing.T) {
		r := newRig(t, fakemodem.Options{PIN: "1234"})
		cfg := r.config()
		cfg.PIN = "0000"
		r.start(cfg)
		select {
		case err := <-r.done:
			r.cancel = nil
			if err == nil || !strings.Contains(err.Error(), "refused the PIN") {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run kept retrying a wrong PIN")
		}
		if n := r.fake.Count(`AT+CPIN="0000"`); n != 1 {
			t.Errorf("wrong PIN tried %d times, want once", n)
		}
	})
	t.Run("right", func(t *testing.T) {
		r := newRig(t, fakemodem.Options{PIN: "1234"})
		cfg := r.config()
		cfg.PIN = "1234"
		r.start(cfg)
		r.waitCommand("AT+CMGL=4", 1)
		r.fake.Deliver(pduHello)
		r.waitMessages(1)
		inOrder(t, r.fake.Commands(), "AT+CPIN?", `AT+CPIN="1234"`, "AT+CPIN?", "AT+CMGF=0")
	})
}

func TestNotAModem(t *testing.T) {
	r := newRig(t, fakemodem.Options{NotModem: true})
	var logs syncBuffer
	cfg := r.config()
	cfg.CommandTimeout = 100 * time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	r.start(cfg)
	waitFor(t, "the not-a-modem error", func() bool {
		return strings.Contains(r.w.Status().LastError, "does not answer AT commands")
	})
	if !strings.Contains(r.w.Status().LastError, r.fake.Path()) {
		t.Errorf("error %q does not name the port", r.w.Status().LastError)
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run = %v after cancel", err)
	}
	if !strings.Contains(logs.String(), "does not answer AT commands") {
		t.Errorf("log does not say what is wrong: %s", logs.String())
	}
}

func TestCheck(t *testing.T) {
	fake := fakemodem.New(t, fakemodem.Options{})
	missing := filepath.Join(t.TempDir(), "ttyUSB9")
	notDevice := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDevice, []byte("x"), 0o600)
	cases := []struct {
		name string
		cfg  modem.Config
		want string // "" for no error
	}{
		{"ok", modem.Config{Port: fake.Path(), Number: ourNumber}, ""},
		{"missing port", modem.Config{Port: missing, Number: ourNumber}, missing + " does not exist"},
		{"no port", modem.Config{Number: ourNumber}, "--port"},
		{"not a device", modem.Config{Port: notDevice, Number: ourNumber}, notDevice},
		{"no number", modem.Config{Port: fake.Path()}, "--number"},
		{"bad number", modem.Config{Port: fake.Path(), Number: "12"}, "not an E.164 number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := modem.Check(c.cfg)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Check = %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Check = %v, want it to say %q", err, c.want)
			case err != nil && strings.Count(strings.TrimSuffix(err.Error(), "."), ". ") > 0:
				t.Errorf("Check = %q, want one sentence", err)
			}
		})
	}
}

func TestBusyPort(t *testing.T) {
	r := newRig(t, fakemodem.Options{})
	r.start(r.config())
	r.waitCommand("AT+CMGL=4", 1)
	if os.Geteuid() == 0 {
		t.Skip("the superuser may open a port another program holds exclusively")
	}
	err := modem.Check(modem.Config{Port: r.fake.Path(), Number: ourNumber})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("Check = %v, want the port in use", err)
	}
}
