package at

import (
	"strconv"
	"strings"
)

// Fields splits a response's arguments on the commas that are outside
// quotes and parentheses. Quoted fields lose their quotes; parenthesized
// ones keep their parentheses.
func Fields(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case '"':
				quoted = !quoted
				continue
			case '(':
				if !quoted {
					depth++
				}
				continue
			case ')':
				if !quoted && depth > 0 {
					depth--
				}
				continue
			case ',':
				if quoted || depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		f := strings.TrimSpace(s[start:i])
		if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
			f = f[1 : len(f)-1]
		}
		out = append(out, f)
		start = i + 1
	}
	return out
}

// Int parses a decimal field; ok is false for anything else.
func Int(f string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(f))
	if err != nil || n < 0 || n > 1<<20 {
		return 0, false
	}
	return n, true
}

// Ranges expands a test-command value list such as "(0-1,3)" or "0-2" into
// the values it allows; values above 255 are ignored.
func Ranges(group string) []int {
	group = strings.Trim(strings.TrimSpace(group), "()")
	var out []int
	for _, part := range strings.Split(group, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, ok := Int(lo)
		if !ok {
			continue
		}
		b := a
		if isRange {
			if b, ok = Int(hi); !ok {
				continue
			}
		}
		for v := a; v <= b && v <= 255; v++ {
			out = append(out, v)
		}
	}
	return out
}

// ParseCNMITest reads the arguments of "+CNMI: (2),(0-1,3),(0,2),(0-1),(0)",
// one list of allowed values per parameter.
func ParseCNMITest(args string) [][]int {
	var out [][]int
	for _, f := range Fields(args) {
		out = append(out, Ranges(f))
	}
	return out
}

// ParseCPMSTest reads the arguments of `+CPMS: ("SM","ME"),("SM","ME"),("SM")`,
// one list of memories per parameter.
func ParseCPMSTest(args string) [][]string {
	var out [][]string
	for _, f := range Fields(args) {
		var mems []string
		for _, m := range Fields(strings.Trim(f, "()")) {
			if m != "" {
				mems = append(mems, strings.ToUpper(m))
			}
		}
		out = append(out, mems)
	}
	return out
}

// ParseCPMS reads the used and total slots of the first memory from the
// answer to setting (+CPMS: 3,30,...) or reading (+CPMS: "SM",3,30,...) it.
func ParseCPMS(args string) (used, total int, ok bool) {
	f := Fields(args)
	if len(f) > 0 {
		if _, isNum := Int(f[0]); !isNum {
			f = f[1:]
		}
	}
	if len(f) < 2 {
		return 0, 0, false
	}
	used, ok1 := Int(f[0])
	total, ok2 := Int(f[1])
	return used, total, ok1 && ok2
}

// ParseCMTI reads `"SM",3` (and the non-standard `3` or `0,111`) into the
// memory ("" when not named) and the slot index.
func ParseCMTI(args string) (mem string, index int, ok bool) {
	f := Fields(args)
	if len(f) == 0 {
		return "", 0, false
	}
	index, ok = Int(f[len(f)-1])
	if len(f) > 1 {
		if _, isNum := Int(f[0]); !isNum {
			mem = strings.ToUpper(f[0])
		}
	}
	return mem, index, ok
}

// ParseCMT reads the TPDU length from `,24` or `"alpha",24`.
func ParseCMT(args string) (length int, ok bool) {
	f := Fields(args)
	if len(f) == 0 {
		return 0, false
	}
	return Int(f[len(f)-1])
}

// ParseCSQ reads the signal quality (0-31, 99 unknown) from "20,99".
func ParseCSQ(args string) (rssi int, ok bool) {
	f := Fields(args)
	if len(f) == 0 {
		return 0, false
	}
	return Int(f[0])
}

// ParseCOPS reads the operator name from `0,0,"Operator",7`.
func ParseCOPS(args string) string {
	f := Fields(args)
	if len(f) >= 3 {
		return f[2]
	}
	return ""
}

// Stored is one message as +CMGL or +CMGR shows it.
type Stored struct {
	Index  int    // slot; -1 for +CMGR, whose caller knows it
	Stat   int    // 0 received unread, 1 received read, 2 stored unsent, 3 stored sent
	Length int    // TPDU octets (without the SMSC address) as the modem counted them
	PDU    string // hex, usually with the SMSC address in front
}

// ParseMessages reads the response of AT+CMGL (list true) or AT+CMGR: each
// header line followed by its PDU line. Lines that fit neither (garbage, a
// header without its PDU) are returned in skipped.
func ParseMessages(lines []string, list bool) (msgs []Stored, skipped []string) {
	prefix := "+CMGR"
	if list {
		prefix = "+CMGL"
	}
	for i := 0; i < len(lines); i++ {
		name, args := splitResult(lines[i])
		if name != prefix {
			skipped = append(skipped, lines[i])
			continue
		}
		f := Fields(args)
		m := Stored{Index: -1, Length: -1}
		if list {
			if len(f) < 2 {
				skipped = append(skipped, lines[i])
				continue
			}
			idx, ok := Int(f[0])
			if !ok {
				skipped = append(skipped, lines[i])
				continue
			}
			m.Index = idx
			f = f[1:]
		}
		if len(f) == 0 {
			skipped = append(skipped, lines[i])
			continue
		}
		stat, ok := Int(f[0])
		if !ok {
			stat = -1
		}
		m.Stat = stat
		if n, ok := Int(f[len(f)-1]); ok && len(f) > 1 {
			m.Length = n
		}
		if m.Length == 0 && !list {
			return nil, skipped // an empty slot: "+CMGR: 0,,0"
		}
		// The PDU is the next hex line; garbage may come between.
		j := i + 1
		for ; j < len(lines) && !isHex(lines[j]); j++ {
			if n, _ := splitResult(lines[j]); n == prefix {
				break
			}
		}
		if j >= len(lines) || !isHex(lines[j]) {
			skipped = append(skipped, lines[i])
			continue
		}
		skipped = append(skipped, lines[i+1:j]...)
		i = j
		m.PDU = lines[i]
		msgs = append(msgs, m)
	}
	return msgs, skipped
}
