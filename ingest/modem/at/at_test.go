package at

import (
	"bufio"
	"context"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseCNMITest(t *testing.T) {
	// gammu tests/at-cnmi/01..03.dump: three modems.
	cases := []struct {
		args string
		want [][]int
	}{
		{"(2),(0-1,3),(0,2),(0-1),(0)", [][]int{{2}, {0, 1, 3}, {0, 2}, {0, 1}, {0}}},
		{"(0-2),(0,1,3),(0),(0,1),(0,1)", [][]int{{0, 1, 2}, {0, 1, 3}, {0}, {0, 1}, {0, 1}}},
		{"(0-3),(0-3),(0-3),(0,1),(0,1)", [][]int{{0, 1, 2, 3}, {0, 1, 2, 3}, {0, 1, 2, 3}, {0, 1}, {0, 1}}},
	}
	for _, c := range cases {
		if got := ParseCNMITest(c.args); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseCNMITest(%q) = %v, want %v", c.args, got, c.want)
		}
	}
	// The third modem writes no space after the colon.
	if name, args := splitResult("+CNMI:(0-3),(0-3)"); name != "+CNMI" || args != "(0-3),(0-3)" {
		t.Errorf("splitResult = %q, %q", name, args)
	}
	if got := Ranges("(0-100000)"); len(got) != 256 {
		t.Errorf("a huge range expanded to %d values, want it capped at 256", len(got))
	}
}

func TestParseCPMS(t *testing.T) {
	got := ParseCPMSTest(`("SM","ME","MT"),("sm","ME"),("SM")`)
	want := [][]string{{"SM", "ME", "MT"}, {"SM", "ME"}, {"SM"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseCPMSTest = %v, want %v", got, want)
	}
	for _, c := range []struct {
		args        string
		used, total int
	}{{"3,30,3,30,3,30", 3, 30}, {`"SM",5,20,"SM",5,20`, 5, 20}} {
		u, n, ok := ParseCPMS(c.args)
		if !ok || u != c.used || n != c.total {
			t.Errorf("ParseCPMS(%q) = %d, %d, %v", c.args, u, n, ok)
		}
	}
	if _, _, ok := ParseCPMS("junk"); ok {
		t.Errorf("ParseCPMS accepted junk")
	}
}

func TestParseCMTI(t *testing.T) {
	// The last two are non-standard forms from asterisk-chan-dongle's tests.
	for _, c := range []struct {
		args string
		mem  string
		idx  int
		ok   bool
	}{{`"SM",1`, "SM", 1, true}, {`"ME",41`, "ME", 41, true}, {`0,111`, "", 111, true}, {`"SM",x`, "", 0, false}, {``, "", 0, false}} {
		mem, idx, ok := ParseCMTI(c.args)
		if ok != c.ok || (ok && (mem != c.mem || idx != c.idx)) {
			t.Errorf("ParseCMTI(%q) = %q, %d, %v", c.args, mem, idx, ok)
		}
	}
	if n, ok := ParseCMT(",24"); !ok || n != 24 {
		t.Errorf("ParseCMT = %d, %v", n, ok)
	}
	if _, ok := ParseCMT(",2X"); ok {
		t.Errorf("ParseCMT accepted a bad length")
	}
	if op := ParseCOPS(`0,0,"Vodacom SA",7`); op != "Vodacom SA" {
		t.Errorf("ParseCOPS = %q", op)
	}
}

func TestParseMessages(t *testing.T) {
	lines := []string{
		"+CMGL: 0,0,,35",
		"AFSDLF SDKFJSKDLFJLKSDJF SDKFJSDKLFJ",
		"07917248014000F3240B917247587706F400003110824115248012C8329BFD06C9C373B8B82C97E741F034",
		"+CMGL: 1,1,,3",
		"+CMGL: 2,1,\"\",23",
		"07918497483252F0840B918496445078F700007121320144744004D4F29C0E",
		"trailing garbage",
	}
	msgs, skipped := ParseMessages(lines, true)
	if len(msgs) != 2 || msgs[0].Index != 0 || msgs[0].Stat != 0 || msgs[0].Length != 35 || msgs[1].Index != 2 || msgs[1].Length != 23 {
		t.Errorf("msgs = %+v", msgs)
	}
	if len(skipped) != 3 {
		t.Errorf("skipped = %q, want the garbage, the header without PDU and the trailing line", skipped)
	}
	// gammu tests/at-sms/02.dump
	msgs, _ = ParseMessages([]string{"+CMGR: 3,,29", "0791361907001003B17A0C913619397750320000AD11CD701E340FB3C3F23CC81D0689C3BF"}, false)
	if len(msgs) != 1 || msgs[0].Stat != 3 || msgs[0].Length != 29 || msgs[0].Index != -1 {
		t.Errorf("CMGR msgs = %+v", msgs)
	}
	if msgs, _ := ParseMessages([]string{"+CMGR: 0,,0"}, false); len(msgs) != 0 {
		t.Errorf("empty slot gave %+v", msgs)
	}
}

// scriptedModem answers each command line with the lines of script[cmd].
func scriptedModem(t *testing.T, script map[string][]string) (*Conn, net.Conn) {
	t.Helper()
	ours, theirs := net.Pipe()
	go func() {
		r := bufio.NewReader(theirs)
		for {
			cmd, err := r.ReadString('\r')
			if err != nil {
				return
			}
			cmd = strings.TrimSuffix(cmd, "\r")
			for _, l := range script[cmd] {
				if _, err := theirs.Write([]byte("\r\n" + l + "\r\n")); err != nil {
					return
				}
			}
		}
	}()
	c := NewConn(ours, 300*time.Millisecond, nil)
	t.Cleanup(func() { c.Close(); theirs.Close() })
	return c, theirs
}

func TestCommandWithURCs(t *testing.T) {
	c, _ := scriptedModem(t, map[string][]string{
		"AT+CMGR=1": {
			"AT+CMGR=1", // echo
			"+CMGR: 0,,29",
			"+CMT: ,24", "00040B911234567890F000000250100173832305C8329BFD06",
			"06917228195339040A9110325476980000313080512061800CC8329BFD06DDDF72363904",
			`+CMTI: "SM",2`,
			"^RSSI: 12",
			"OK",
		},
		"AT+CMGD=1": {"+CMS ERROR: 300"},
		"AT+CPIN?":  {"+CME ERROR: SIM busy"},
		"AT+X":      {"COMMAND NOT SUPPORT"},
	})
	ctx := context.Background()
	resp, err := c.Command(ctx, "AT+CMGR=1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"+CMGR: 0,,29", "06917228195339040A9110325476980000313080512061800CC8329BFD06DDDF72363904"}
	if !reflect.DeepEqual(resp, want) {
		t.Errorf("response = %q, want %q", resp, want)
	}
	urcs := c.URCs()
	if len(urcs) != 3 || urcs[0].Name != "+CMT" || urcs[0].PDU != "00040B911234567890F000000250100173832305C8329BFD06" ||
		urcs[1].Name != "+CMTI" || urcs[1].Args != `"SM",2` || urcs[2].Name != "^RSSI" {
		t.Errorf("urcs = %+v", urcs)
	}
	if c.URCs() != nil {
		t.Errorf("URCs not forgotten once taken")
	}
	_, err = c.Command(ctx, "AT+CMGD=1")
	if Code(err) != 300 {
		t.Errorf("error = %v, code %d; want +CMS ERROR 300", err, Code(err))
	}
	_, err = c.Command(ctx, "AT+CPIN?")
	if Code(err) != 14 {
		t.Errorf("verbose SIM busy gave code %d, want 14", Code(err))
	}
	if _, err = c.Command(ctx, "AT+X"); err == nil || Code(err) != -1 {
		t.Errorf("COMMAND NOT SUPPORT gave %v", err)
	}
	_, err = c.Command(ctx, "AT+SILENT")
	if !IsTimeout(err) {
		t.Errorf("unanswered command gave %v, want a timeout", err)
	}
}

func TestIdleLines(t *testing.T) {
	c, theirs := scriptedModem(t, nil)
	go theirs.Write([]byte("\r\n+CMT: ,24\r\n00040B911234567890F000000250100173832305C8329BFD06\r+CMT: ,5\r\nOK\r\nRING\r\n"))
	var stray []string
	for range 5 {
		select {
		case l := <-c.Lines():
			if !c.Idle(l) {
				stray = append(stray, l)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("lines did not arrive")
		}
	}
	urcs := c.URCs()
	// The second +CMT lost its PDU: it is kept without one, and the OK
	// after it is a stray line.
	if len(urcs) != 3 || urcs[0].PDU == "" || urcs[1].Name != "+CMT" || urcs[1].PDU != "" || urcs[2].Name != "RING" {
		t.Errorf("urcs = %+v", urcs)
	}
	if !reflect.DeepEqual(stray, []string{"OK"}) {
		t.Errorf("stray = %q", stray)
	}
}

func TestPortFailure(t *testing.T) {
	c, theirs := scriptedModem(t, nil)
	theirs.Close()
	_, err := c.Command(context.Background(), "AT")
	if err == nil || IsTimeout(err) {
		t.Errorf("command on a closed port gave %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("+CMGL: 0,0,,35\n07917248014000F3\n+CNMI: (0-2),(0,1,3)")
	f.Add(`"SM",1`)
	f.Add(`(((("`)
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Split(s, "\n")
		ParseMessages(lines, true)
		ParseMessages(lines, false)
		ParseCNMITest(s)
		ParseCPMSTest(s)
		ParseCPMS(s)
		ParseCMTI(s)
		ParseCOPS(s)
		finalResult("AT", s)
	})
}
