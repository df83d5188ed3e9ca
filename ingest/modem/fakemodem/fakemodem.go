// Package fakemodem is a GSM modem simulated on a pseudo-terminal, for
// tests: the code under test opens its path as a serial device and speaks AT
// commands to it, while the test stores and delivers messages, injects
// unsolicited lines, scripts errors, slows it down or unplugs it.
package fakemodem

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Options shape the simulated modem.
type Options struct {
	Capacity  int    // message slots; 30 when 0
	Memory    string // storage name in indications; "SM" when ""
	CPMSTest  string // answer to AT+CPMS=? after "+CPMS: "; a generic one when ""
	CNMITest  string // answer to AT+CNMI=? after "+CNMI: "; a generic one when ""
	PIN       string // when set, the SIM starts locked and wants this PIN
	NotModem  bool   // answer nothing at all, like a port that is not a modem
	FirstSlot int    // lowest slot index; 1 when 0 (some modems count from 0)
}

// Modem is the simulated modem.
type Modem struct {
	tb   testing.TB
	link string
	opts Options

	mu         sync.Mutex
	master     *os.File
	slave      *os.File
	gen        int
	slots      map[int]string
	commands   []string
	scripted   map[string][]string // command -> answers, one per use
	interleave map[string][]string
	delay      time.Duration
	silent     bool
	locked     bool
	echo       bool
	ackWanted  int
	onCommand  func(cmd string)
}

// New starts a modem; Path is the device to open. It stops with the test.
func New(tb testing.TB, opts Options) *Modem {
	tb.Helper()
	if opts.Capacity <= 0 {
		opts.Capacity = 30
	}
	if opts.Memory == "" {
		opts.Memory = "SM"
	}
	if opts.CPMSTest == "" {
		opts.CPMSTest = `("SM","ME","MT"),("SM","ME","MT"),("SM","ME","MT")`
	}
	if opts.CNMITest == "" {
		opts.CNMITest = `(0-2),(0-3),(0,2),(0-2),(0,1)`
	}
	if opts.FirstSlot == 0 {
		opts.FirstSlot = 1
	}
	m := &Modem{
		tb:         tb,
		link:       filepath.Join(tb.TempDir(), "ttyFAKE0"),
		opts:       opts,
		slots:      map[int]string{},
		scripted:   map[string][]string{},
		interleave: map[string][]string{},
		locked:     opts.PIN != "",
		echo:       true,
	}
	m.Plug()
	tb.Cleanup(m.Unplug)
	return m
}

// Path is the device path (a link to the current pseudo-terminal).
func (m *Modem) Path() string { return m.link }

// Plug connects the modem (again), as when it is plugged in: a new
// pseudo-terminal appears under Path.
func (m *Modem) Plug() {
	m.tb.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		m.tb.Fatalf("open pty: %v", err)
	}
	if err := makeRaw(slave); err != nil {
		m.tb.Fatalf("raw pty: %v", err)
	}
	if master, err = pollable(master); err != nil {
		m.tb.Fatalf("pty: %v", err)
	}
	os.Remove(m.link)
	if err := os.Symlink(slave.Name(), m.link); err != nil {
		m.tb.Fatalf("link pty: %v", err)
	}
	m.mu.Lock()
	m.master, m.slave = master, slave
	m.gen++
	gen := m.gen
	m.echo = true
	m.mu.Unlock()
	go m.serve(master, gen)
}

// Unplug disconnects the modem: its device disappears and reads on an
// open port fail.
func (m *Modem) Unplug() {
	m.mu.Lock()
	master, slave := m.master, m.slave
	m.master, m.slave = nil, nil
	m.gen++
	m.mu.Unlock()
	os.Remove(m.link)
	if master != nil {
		master.Close()
	}
	if slave != nil {
		slave.Close()
	}
}

// pollable returns f in non-blocking mode, so that closing it ends a
// read in progress (the pty package leaves it blocking).
func pollable(f *os.File) (*os.File, error) {
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

func makeRaw(f *os.File) error {
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
}

// SetDelay makes the modem wait d before each line it sends.
func (m *Modem) SetDelay(d time.Duration) { m.mu.Lock(); m.delay = d; m.mu.Unlock() }

// SetSilent makes the modem ignore commands (true) or answer again.
func (m *Modem) SetSilent(on bool) { m.mu.Lock(); m.silent = on; m.mu.Unlock() }

// OnCommand calls fn with each command before it is answered.
func (m *Modem) OnCommand(fn func(cmd string)) { m.mu.Lock(); m.onCommand = fn; m.mu.Unlock() }

// Script makes the next uses of cmd answer the given final lines (one per
// use, e.g. "+CMS ERROR: 300") instead of acting.
func (m *Modem) Script(cmd string, answers ...string) {
	m.mu.Lock()
	m.scripted[cmd] = append(m.scripted[cmd], answers...)
	m.mu.Unlock()
}

// Interleave makes the next answer to cmd carry lines after its first
// response line (garbage, or unsolicited lines in the middle of it).
func (m *Modem) Interleave(cmd string, lines ...string) {
	m.mu.Lock()
	m.interleave[cmd] = append(m.interleave[cmd], lines...)
	m.mu.Unlock()
}

// Commands is every command received so far, in order.
func (m *Modem) Commands() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.commands...)
}

// Count is how many times cmd was received.
func (m *Modem) Count(cmd string) int {
	n := 0
	for _, c := range m.Commands() {
		if c == cmd {
			n++
		}
	}
	return n
}

// Slots is a copy of the message storage: slot -> PDU hex.
func (m *Modem) Slots() map[int]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[int]string, len(m.slots))
	for k, v := range m.slots {
		out[k] = v
	}
	return out
}

// Store puts a PDU (hex, with its SMSC address) in the first free slot
// without telling anyone, as when an indication is lost; it returns the
// slot, or -1 when the memory is full.
func (m *Modem) Store(pdu string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.storeLocked(pdu)
}

func (m *Modem) storeLocked(pdu string) int {
	for i := m.opts.FirstSlot; i < m.opts.FirstSlot+m.opts.Capacity; i++ {
		if _, used := m.slots[i]; !used {
			m.slots[i] = strings.ToUpper(pdu)
			return i
		}
	}
	return -1
}

// Deliver stores a PDU and sends its +CMTI indication.
func (m *Modem) Deliver(pdu string) int {
	i := m.Store(pdu)
	if i >= 0 {
		m.Inject(fmt.Sprintf(`+CMTI: "%s",%d`, m.opts.Memory, i))
	}
	return i
}

// DeliverDirect sends a PDU as a +CMT indication, not stored.
func (m *Modem) DeliverDirect(pdu string) {
	m.mu.Lock()
	m.ackWanted++
	m.mu.Unlock()
	m.Inject(fmt.Sprintf("+CMT: ,%d", TPDULength(pdu)), strings.ToUpper(pdu))
}

// Inject sends lines as the modem sends unsolicited result codes.
func (m *Modem) Inject(lines ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sendLocked(lines...)
}

func (m *Modem) sendLocked(lines ...string) {
	if m.master == nil {
		return
	}
	for _, l := range lines {
		if m.delay > 0 {
			m.mu.Unlock()
			time.Sleep(m.delay)
			m.mu.Lock()
			if m.master == nil {
				return
			}
		}
		m.master.Write([]byte("\r\n" + l + "\r\n"))
	}
}

// TPDULength is the <length> a modem reports for a PDU with its SMSC
// address in front: the octets after that address.
func TPDULength(pdu string) int {
	b, err := hex.DecodeString(pdu)
	if err != nil || len(b) == 0 {
		return 0
	}
	return len(b) - 1 - int(b[0])
}

func (m *Modem) serve(master *os.File, gen int) {
	buf := make([]byte, 512)
	var line []byte
	for {
		n, err := master.Read(buf)
		if err != nil {
			return
		}
		for _, b := range buf[:n] {
			if b == '\r' || b == '\n' {
				if len(line) > 0 {
					m.command(string(line), gen)
				}
				line = line[:0]
				continue
			}
			line = append(line, b)
		}
	}
}

func (m *Modem) command(cmd string, gen int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen != gen || m.opts.NotModem {
		return
	}
	m.commands = append(m.commands, cmd)
	if fn := m.onCommand; fn != nil {
		m.mu.Unlock()
		fn(cmd)
		m.mu.Lock()
	}
	if m.silent || m.gen != gen {
		return
	}
	if m.echo {
		m.sendLocked(cmd)
	}
	if s := m.scripted[cmd]; len(s) > 0 {
		m.scripted[cmd] = s[1:]
		m.sendLocked(s[0])
		return
	}
	resp, final := m.answer(cmd)
	if extra := m.interleave[cmd]; len(extra) > 0 {
		delete(m.interleave, cmd)
		at := min(1, len(resp))
		resp = append(append(append([]string(nil), resp[:at]...), extra...), resp[at:]...)
	}
	m.sendLocked(append(resp, final)...)
}

// answer acts on one command; it runs with m.mu held.
func (m *Modem) answer(cmd string) (resp []string, final string) {
	up := strings.ToUpper(cmd)
	arg := func(prefix string) (string, bool) {
		if strings.HasPrefix(up, prefix) {
			return cmd[len(prefix):], true
		}
		return "", false
	}
	if !strings.HasPrefix(up, "AT") {
		return nil, "ERROR"
	}
	if m.locked {
		switch {
		case up == "AT", up == "ATE0", up == "ATE1", strings.HasPrefix(up, "AT+CMEE"), strings.HasPrefix(up, "AT+CPIN"),
			strings.HasPrefix(up, "AT+CGM"), up == "AT+CSQ":
		default:
			return nil, "+CME ERROR: 11"
		}
	}
	switch {
	case up == "AT":
		return nil, "OK"
	case up == "ATE0":
		m.echo = false
		return nil, "OK"
	case up == "ATE1":
		m.echo = true
		return nil, "OK"
	case strings.HasPrefix(up, "AT+CMEE="):
		return nil, "OK"
	case up == "AT+CPIN?":
		if m.locked {
			return []string{"+CPIN: SIM PIN"}, "OK"
		}
		return []string{"+CPIN: READY"}, "OK"
	case strings.HasPrefix(up, "AT+CPIN="):
		pin := strings.Trim(cmd[len("AT+CPIN="):], `"`)
		if !m.locked {
			return nil, "+CME ERROR: 3"
		}
		if pin != m.opts.PIN {
			return nil, "+CME ERROR: 16"
		}
		m.locked = false
		return nil, "OK"
	case up == "AT+CGMI":
		return []string{"FAKE"}, "OK"
	case up == "AT+CGMM":
		return []string{"PTY-1"}, "OK"
	case up == "AT+CMGF=0":
		return nil, "OK"
	case up == "AT+CPMS=?":
		return []string{"+CPMS: " + m.opts.CPMSTest}, "OK"
	case strings.HasPrefix(up, "AT+CPMS="):
		n := strconv.Itoa(len(m.slots))
		c := strconv.Itoa(m.opts.Capacity)
		return []string{"+CPMS: " + strings.Join([]string{n, c, n, c, n, c}, ",")}, "OK"
	case up == "AT+CNMI=?":
		return []string{"+CNMI: " + m.opts.CNMITest}, "OK"
	case strings.HasPrefix(up, "AT+CNMI="):
		return nil, "OK"
	case strings.HasPrefix(up, "AT+CSMS="):
		return []string{"+CSMS: 1,1,1"}, "OK"
	case up == "AT+CNMA":
		if m.ackWanted == 0 {
			return nil, "+CMS ERROR: 340"
		}
		m.ackWanted--
		return nil, "OK"
	case up == "AT+CSQ":
		return []string{"+CSQ: 21,99"}, "OK"
	case up == "AT+COPS?":
		return []string{`+COPS: 0,0,"Fake Net",7`}, "OK"
	case up == "AT+CMGL=4":
		keys := make([]int, 0, len(m.slots))
		for k := range m.slots {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		for _, k := range keys {
			p := m.slots[k]
			resp = append(resp, fmt.Sprintf("+CMGL: %d,1,,%d", k, TPDULength(p)), p)
		}
		return resp, "OK"
	}
	if a, ok := arg("AT+CMGR="); ok {
		i, err := strconv.Atoi(a)
		if err != nil {
			return nil, "+CMS ERROR: 304"
		}
		p, used := m.slots[i]
		if !used {
			return nil, "+CMS ERROR: 321"
		}
		return []string{fmt.Sprintf("+CMGR: 0,,%d", TPDULength(p)), p}, "OK"
	}
	if a, ok := arg("AT+CMGD="); ok {
		a, _, _ = strings.Cut(a, ",")
		i, err := strconv.Atoi(a)
		if err != nil {
			return nil, "+CMS ERROR: 304"
		}
		if _, used := m.slots[i]; !used && (i < m.opts.FirstSlot || i >= m.opts.FirstSlot+m.opts.Capacity) {
			return nil, "+CMS ERROR: 321"
		}
		delete(m.slots, i)
		return nil, "OK"
	}
	return nil, "ERROR"
}
