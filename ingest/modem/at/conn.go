// Package at speaks the AT command set of GSM modems (3GPP TS 27.007 and
// TS 27.005) over a serial line: one command in flight at a time, with
// unsolicited result codes that arrive in the middle of a response set
// aside for the caller.
package at

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// MaxLine is the longest line kept; longer ones are cut (a PDU line is at
// most 2*(12+164) hex digits, well below it).
const MaxLine = 4096

// URC is one unsolicited result code.
type URC struct {
	Name string // "+CMTI", "+CMT", "RING", "^RSSI"
	Args string // what follows the colon, trimmed
	PDU  string // the second line of +CMT, +CDS and +CBM
}

// Error is a final result code other than OK.
type Error struct {
	Command string
	Kind    string // "ERROR", "+CMS ERROR", "+CME ERROR", "COMMAND NOT SUPPORT", ...
	Code    int    // -1 when the modem gave no code
	Text    string // the line as received
}

func (e *Error) Error() string { return fmt.Sprintf("%s answered %q", e.Command, e.Text) }

// TimeoutError says that a command got no final result in time.
type TimeoutError struct{ Command string }

func (e *TimeoutError) Error() string { return e.Command + " got no answer in time" }

// Code returns the +CMS/+CME error code of err, or -1.
func Code(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return -1
}

// IsTimeout reports whether err is a command timeout.
func IsTimeout(err error) bool {
	var e *TimeoutError
	return errors.As(err, &e)
}

// Conn is a command/response channel to one modem. Its methods are not safe
// for concurrent use: one goroutine drives the modem.
type Conn struct {
	rw      io.ReadWriteCloser
	lines   chan string
	mu      sync.Mutex
	readErr error
	timeout time.Duration
	trace   func(out bool, line string)

	expect  string // response prefix of the command in flight, "" when idle
	sent    string // the command in flight, to drop its echo
	pending *URC   // a two-line URC waiting for its second line
	urcs    []URC
}

// NewConn starts reading rw. timeout is how long a command may stay silent
// before it fails (each line received restarts it). trace, when not nil,
// sees every line sent (out) and received.
func NewConn(rw io.ReadWriteCloser, timeout time.Duration, trace func(out bool, line string)) *Conn {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	c := &Conn{rw: rw, lines: make(chan string, 256), timeout: timeout, trace: trace}
	go c.read()
	return c
}

func (c *Conn) read() {
	r := bufio.NewReaderSize(c.rw, 1024)
	var line []byte
	flush := func() {
		if len(line) > 0 {
			s := strings.TrimSpace(string(line))
			if s != "" {
				c.lines <- s
			}
			line = line[:0]
		}
	}
	for {
		b, err := r.ReadByte()
		if err != nil {
			flush()
			c.mu.Lock()
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			c.readErr = err
			c.mu.Unlock()
			close(c.lines)
			return
		}
		switch {
		case b == '\r' || b == '\n':
			flush()
		case b == '>' && len(line) == 0:
			// The PDU prompt "> " has no line end; nothing here sends
			// PDUs, so it is dropped.
		case len(line) < MaxLine:
			line = append(line, b)
		}
	}
}

// Lines delivers every received line while no command is in flight; it is
// closed when the port fails. Pass each line to Idle.
func (c *Conn) Lines() <-chan string { return c.lines }

// Err is why reading stopped, once Lines is closed.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readErr == nil {
		return errors.New("the port was closed")
	}
	return c.readErr
}

// Close closes the port.
func (c *Conn) Close() error { return c.rw.Close() }

// Idle takes a line that arrived while no command was in flight. It reports
// false for a line that was neither an unsolicited result code nor the
// second line of one (a stray or garbage line).
func (c *Conn) Idle(line string) bool {
	return !c.take(line)
}

// URCs returns and forgets the unsolicited result codes received so far.
func (c *Conn) URCs() []URC {
	u := c.urcs
	c.urcs = nil
	return u
}

// Command sends cmd and returns its response lines (without the final OK),
// or an *Error for a final error result, or a *TimeoutError.
func (c *Conn) Command(ctx context.Context, cmd string) ([]string, error) {
	return c.CommandTimeout(ctx, cmd, c.timeout)
}

// CommandTimeout is Command with its own silence timeout.
func (c *Conn) CommandTimeout(ctx context.Context, cmd string, timeout time.Duration) ([]string, error) {
	// Lines that arrived while idle belong to nobody: sort out URCs first.
	for drained := false; !drained; {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return nil, c.Err()
			}
			c.Idle(line)
		default:
			drained = true
		}
	}
	c.expect = responsePrefix(cmd)
	c.sent = cmd
	defer func() { c.expect, c.sent = "", "" }()
	if c.trace != nil {
		c.trace(true, cmd)
	}
	if _, err := c.rw.Write([]byte(cmd + "\r")); err != nil {
		return nil, err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var resp []string
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return nil, &TimeoutError{Command: cmd}
		case line, ok := <-c.lines:
			if !ok {
				return nil, c.Err()
			}
			timer.Reset(timeout)
			if !c.take(line) {
				continue
			}
			if line == cmd {
				continue // echo
			}
			if final, err := finalResult(cmd, line); final {
				return resp, err
			}
			resp = append(resp, line)
		}
	}
}

// take classifies one received line: it queues unsolicited result codes and
// reports true for a line that belongs to a command's response.
func (c *Conn) take(line string) bool {
	if c.trace != nil {
		c.trace(false, line)
	}
	if p := c.pending; p != nil {
		c.pending = nil
		if isHex(line) {
			p.PDU = line
			c.urcs = append(c.urcs, *p)
			return false
		}
		// The second line never came: keep the first, PDU-less, so the
		// caller can look for the message by other means.
		c.urcs = append(c.urcs, *p)
	}
	name, args := splitResult(line)
	if c.expect != "" && name == c.expect {
		return true
	}
	if !isURC(name) {
		return true
	}
	u := URC{Name: name, Args: args}
	if twoLine(name) {
		c.pending = &u
		return false
	}
	c.urcs = append(c.urcs, u)
	return false
}

// responsePrefix is the information response name of cmd: "+CMGL" for
// "AT+CMGL=4", "" for commands without one.
func responsePrefix(cmd string) string {
	s := strings.ToUpper(cmd)
	if !strings.HasPrefix(s, "AT") {
		return ""
	}
	s = s[2:]
	if s == "" || (s[0] != '+' && s[0] != '^' && s[0] != '$' && s[0] != '*') {
		return ""
	}
	end := strings.IndexAny(s, "=?")
	if end < 0 {
		end = len(s)
	}
	return s[:end]
}

// splitResult splits "+CMTI: "SM",3" into "+CMTI" and `"SM",3`.
func splitResult(line string) (name, args string) {
	if i := strings.IndexByte(line, ':'); i > 0 && (line[0] == '+' || line[0] == '^' || line[0] == '$' || line[0] == '*') {
		return line[:i], strings.TrimSpace(line[i+1:])
	}
	return line, ""
}

var urcNames = map[string]bool{
	"+CMTI": true, "+CMT": true, "+CDSI": true, "+CDS": true, "+CBM": true, "+CBMI": true,
	"RING": true, "+CRING": true, "+CLIP": true, "+CCWA": true, "NO CARRIER": true,
	"+CREG": true, "+CGREG": true, "+CEREG": true, "+CGEV": true, "+CUSD": true, "+CIEV": true,
	"+CPIN": true, "+CFUN": true, "+PBREADY": true, "+QIND": true, "+STIN": true, "+CTZV": true,
	"+CTZE": true, "+NITZ": true, "+CSQ": true,
	"RDY": true, "SMS DONE": true, "PB DONE": true, "CALL READY": true, "SMS READY": true,
}

func isURC(name string) bool {
	if strings.HasPrefix(name, "^") {
		return true // Huawei and ZTE status reports: ^RSSI, ^BOOT, ^MODE, ^SMMEMFULL, ...
	}
	return urcNames[strings.ToUpper(name)]
}

func twoLine(name string) bool { return name == "+CMT" || name == "+CDS" || name == "+CBM" }

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// finalResult reports whether line ends a command's response, and the error
// it stands for.
func finalResult(cmd, line string) (bool, error) {
	switch line {
	case "OK":
		return true, nil
	case "ERROR", "COMMAND NOT SUPPORT", "TOO MANY PARAMETERS", "BUSY", "NO ANSWER", "NO DIALTONE":
		return true, &Error{Command: cmd, Kind: line, Code: -1, Text: line}
	}
	for _, kind := range []string{"+CMS ERROR", "+CME ERROR"} {
		if rest, ok := strings.CutPrefix(line, kind+":"); ok {
			return true, &Error{Command: cmd, Kind: kind, Code: errorCode(kind, strings.TrimSpace(rest)), Text: line}
		}
	}
	return false, nil
}

// Verbose error texts (AT+CMEE=2) for the codes the worker acts on.
var (
	cmeTexts = map[string]int{
		"operation not allowed": 3, "sim not inserted": 10, "sim pin required": 11, "sim puk required": 12,
		"sim failure": 13, "sim busy": 14, "sim wrong": 15, "incorrect password": 16, "memory full": 20,
		"invalid index": 21,
	}
	cmsTexts = map[string]int{
		"me failure": 300, "operation not allowed": 302, "sim not inserted": 310, "sim pin required": 311,
		"sim failure": 313, "sim busy": 314, "memory failure": 320, "invalid memory index": 321,
		"memory full": 322, "unknown error": 500,
	}
)

func errorCode(kind, s string) int {
	if s == "" {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || i > 6 {
			texts := cmeTexts
			if kind == "+CMS ERROR" {
				texts = cmsTexts
			}
			if c, ok := texts[strings.ToLower(s)]; ok {
				return c
			}
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}
