package pdu

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// vector is one real PDU from testdata/pdus.json with the values it must decode to.
type vector struct {
	Source     string `json:"source"`
	Hex        string `json:"hex"`
	HasSMSC    bool   `json:"has_smsc"`
	Type       string `json:"type"` // "deliver", "invalid", or the NotDeliverError type
	SMSC       string `json:"smsc"`
	Sender     string `json:"sender"`
	SenderType string `json:"sender_type"`
	SentAt     string `json:"sent_at"`
	DCS        int    `json:"dcs"`
	PID        int    `json:"pid"`
	Class      int    `json:"class"`
	Encoding   string `json:"encoding"`
	MoreToSend bool   `json:"more_to_send"`
	Text       *string
	Binary     *string
	Concat     *struct{ Ref, RefBits, Total, Seq int }
	Ports      *struct{ Dst, Src int }
}

func (v *vector) UnmarshalJSON(b []byte) error {
	type plain vector
	var aux struct {
		plain
		Text   *string `json:"text"`
		Binary *string `json:"binary"`
		Concat *struct {
			Ref     int `json:"ref"`
			RefBits int `json:"ref_bits"`
			Total   int `json:"total"`
			Seq     int `json:"seq"`
		} `json:"concat"`
		Ports *struct {
			Dst int `json:"dst"`
			Src int `json:"src"`
		} `json:"ports"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*v = vector(aux.plain)
	v.Text, v.Binary = aux.Text, aux.Binary
	if c := aux.Concat; c != nil {
		v.Concat = &struct{ Ref, RefBits, Total, Seq int }{c.Ref, c.RefBits, c.Total, c.Seq}
	}
	if p := aux.Ports; p != nil {
		v.Ports = &struct{ Dst, Src int }{p.Dst, p.Src}
	}
	return nil
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/pdus.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatalf("testdata/pdus.json: %v", err)
	}
	return vs
}

func TestVectorsCoverEnough(t *testing.T) {
	vs := loadVectors(t)
	if len(vs) < 60 {
		t.Errorf("testdata/pdus.json holds %d PDUs, want at least 60", len(vs))
	}
	for i, v := range vs {
		if strings.TrimSpace(v.Source) == "" {
			t.Errorf("vector %d names no source", i)
		}
	}
}

func TestVectors(t *testing.T) {
	for i, v := range loadVectors(t) {
		t.Run(v.Source, func(t *testing.T) {
			d, err := DecodeHex(v.Hex, v.HasSMSC)
			checkVector(t, i, v, d, err, v.SMSC)
			if v.Type != "deliver" || !v.HasSMSC {
				return
			}
			// The same TPDU without its SMSC field, as +CMT on some modems and --no-smsc give it.
			raw, _ := hex.DecodeString(v.Hex)
			tpdu := raw[1+int(raw[0]):]
			d, err = Decode(tpdu, false)
			checkVector(t, i, v, d, err, "")
		})
	}
}

func checkVector(t *testing.T, i int, v vector, d *Deliver, err error, smsc string) {
	t.Helper()
	switch v.Type {
	case "deliver":
	case "invalid":
		if err == nil {
			t.Fatalf("vector %d: decoded %+v, want an error", i, d)
		}
		return
	default:
		var nd *NotDeliverError
		if !errors.As(err, &nd) || nd.Type != v.Type {
			t.Fatalf("vector %d: got %v, want NotDeliverError %q", i, err, v.Type)
		}
		return
	}
	if err != nil {
		t.Fatalf("vector %d: %v", i, err)
	}
	if got, want := d.SMSC, smsc; got != want {
		t.Errorf("SMSC = %q, want %q", got, want)
	}
	if got, want := d.Sender, v.Sender; got != want {
		t.Errorf("Sender = %q, want %q", got, want)
	}
	if got, want := d.SenderType, v.SenderType; got != want {
		t.Errorf("SenderType = %q, want %q", got, want)
	}
	if got, want := d.SentAt.Format(time.RFC3339), v.SentAt; got != want {
		t.Errorf("SentAt = %s, want %s", got, want)
	}
	if got, want := int(d.DCS), v.DCS; got != want {
		t.Errorf("DCS = %#x, want %#x", got, want)
	}
	if got, want := int(d.PID), v.PID; got != want {
		t.Errorf("PID = %#x, want %#x", got, want)
	}
	if got, want := d.Class, v.Class; got != want {
		t.Errorf("Class = %d, want %d", got, want)
	}
	if got, want := d.Encoding, v.Encoding; got != want {
		t.Errorf("Encoding = %q, want %q", got, want)
	}
	if got, want := d.MoreToSend, v.MoreToSend; got != want {
		t.Errorf("MoreToSend = %v, want %v", got, want)
	}
	switch {
	case v.Binary != nil:
		if !d.Binary || d.Text != "" {
			t.Errorf("Binary = %v, Text = %q; want binary content and no text", d.Binary, d.Text)
		}
		if got, want := hex.EncodeToString(d.UserData), *v.Binary; got != want {
			t.Errorf("UserData = %s, want %s", got, want)
		}
	case v.Text != nil:
		if d.Binary {
			t.Errorf("Binary = true for a text message")
		}
		if got, want := d.Text, *v.Text; got != want {
			t.Errorf("Text = %q, want %q", got, want)
		}
	default:
		t.Fatalf("vector %d has neither text nor binary", i)
	}
	if (d.Concat == nil) != (v.Concat == nil) {
		t.Fatalf("Concat = %+v, want %+v", d.Concat, v.Concat)
	}
	if c := d.Concat; c != nil {
		if got, want := *c, (Concat{Ref: v.Concat.Ref, RefBits: v.Concat.RefBits, Total: v.Concat.Total, Seq: v.Concat.Seq}); got != want {
			t.Errorf("Concat = %+v, want %+v", got, want)
		}
	}
	if (d.Ports == nil) != (v.Ports == nil) {
		t.Fatalf("Ports = %+v, want %+v", d.Ports, v.Ports)
	}
	if p := d.Ports; p != nil {
		if got, want := *p, (Ports{Dst: v.Ports.Dst, Src: v.Ports.Src}); got != want {
			t.Errorf("Ports = %+v, want %+v", got, want)
		}
	}
}

// Every prefix of a real PDU is malformed: it must fail cleanly, never panic.
func TestTruncatedVectorsFail(t *testing.T) {
	for _, v := range loadVectors(t) {
		if v.Type != "deliver" {
			continue
		}
		raw, _ := hex.DecodeString(v.Hex)
		full, err := Decode(raw, v.HasSMSC)
		if err != nil {
			t.Fatalf("%s: %v", v.Source, err)
		}
		for n := 0; n < len(raw); n++ {
			d, err := Decode(raw[:n], v.HasSMSC)
			if err == nil {
				// Only octets past TP-UDL may be dropped without harm.
				if d.Text != full.Text || hex.EncodeToString(d.UserData) != hex.EncodeToString(full.UserData) {
					t.Errorf("%s cut to %d octets decoded to %q without an error", v.Source, n, d.Text)
				}
			}
		}
	}
}
