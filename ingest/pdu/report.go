package pdu

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
)

// Report is one line of `smsinbox pdu decode`: the decoded PDU, or the
// error that stopped it.
type Report struct {
	Sender     string        `json:"sender"`
	SenderType string        `json:"sender_type"`
	SMSC       string        `json:"smsc"`
	SentAt     string        `json:"sent_at"`
	Text       *string       `json:"text,omitempty"`
	DCS        int           `json:"dcs"`
	PID        int           `json:"pid"`
	Concat     *ReportConcat `json:"concat"`
	Ports      *ReportPorts  `json:"ports,omitempty"`
	Binary     *string       `json:"binary,omitempty"` // hex of the user data without its header
	Type       string        `json:"type,omitempty"`   // set with Error for a PDU that is not SMS-DELIVER
	Error      string        `json:"error,omitempty"`
}

// ReportConcat is the concatenation object of a Report.
type ReportConcat struct {
	Ref     int `json:"ref"`
	RefBits int `json:"ref_bits"`
	Total   int `json:"total"`
	Seq     int `json:"seq"`
}

// ReportPorts is the application-port object of a Report.
type ReportPorts struct {
	Dst int `json:"dst"`
	Src int `json:"src"`
}

// Failed reports whether the input could not be decoded as SMS-DELIVER.
func (r Report) Failed() bool { return r.Error != "" }

// MarshalJSON writes a failed report as only its type and error.
func (r Report) MarshalJSON() ([]byte, error) {
	if r.Error != "" {
		return json.Marshal(struct {
			Type  string `json:"type,omitempty"`
			Error string `json:"error"`
		}{r.Type, r.Error})
	}
	type plain Report
	return json.Marshal(plain(r))
}

// Inspect decodes one input line of hex and describes the result as
// `smsinbox pdu decode` prints it.
func Inspect(hexInput string, hasSMSC bool) Report {
	d, err := DecodeHex(hexInput, hasSMSC)
	if err != nil {
		r := Report{Error: err.Error()}
		var nd *NotDeliverError
		if errors.As(err, &nd) {
			r.Type = nd.Type
		}
		return r
	}
	return NewReport(d)
}

// NewReport describes a decoded SMS-DELIVER.
func NewReport(d *Deliver) Report {
	r := Report{
		Sender:     d.Sender,
		SenderType: d.SenderType,
		SMSC:       d.SMSC,
		SentAt:     d.SentAt.Format(time.RFC3339),
		DCS:        int(d.DCS),
		PID:        int(d.PID),
	}
	if d.Binary {
		h := hex.EncodeToString(d.UserData)
		r.Binary = &h
	} else {
		text := d.Text
		r.Text = &text
	}
	if c := d.Concat; c != nil {
		r.Concat = &ReportConcat{Ref: c.Ref, RefBits: c.RefBits, Total: c.Total, Seq: c.Seq}
	}
	if p := d.Ports; p != nil {
		r.Ports = &ReportPorts{Dst: p.Dst, Src: p.Src}
	}
	return r
}
