package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"
	"time"
)

// macOf is HMAC(key, msg) with the hash h.
func macOf(h func() hash.Hash, key string, msg ...string) []byte {
	m := hmac.New(h, []byte(key))
	for _, s := range msg {
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

// equalHex compares a MAC with a hex signature, ignoring its case, in
// constant time.
func equalHex(mac []byte, sig string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return false
	}
	return hmac.Equal(mac, got)
}

// equalBase64 compares a MAC with a base64 signature (standard alphabet,
// padded or not) in constant time.
func equalBase64(mac []byte, sig string) bool {
	sig = strings.TrimRight(strings.TrimSpace(sig), "=")
	got, err := base64.RawStdEncoding.Strict().DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(mac, got)
}

// equalSecret compares a shared secret in constant time. Their digests are
// compared, so that the time taken does not tell the secret's length either.
func equalSecret(want, got string) bool {
	w, g := sha256.Sum256([]byte(want)), sha256.Sum256([]byte(got))
	return want != "" && subtle.ConstantTimeCompare(w[:], g[:]) == 1
}

// checkToken accepts the ingest token as "Authorization: Bearer TOKEN" or
// as ?token=TOKEN (for gateways that cannot send headers), and extra, a
// provider's own field carrying it, when not empty.
func (r *request) checkToken(extra ...string) error {
	want := r.h.cfg.IngestToken
	var given []string
	if auth := r.header("Authorization"); auth != "" {
		scheme, tok, _ := strings.Cut(auth, " ")
		if strings.EqualFold(scheme, "Bearer") {
			given = append(given, strings.TrimSpace(tok))
		}
	}
	if tok := r.query.Get("token"); tok != "" {
		given = append(given, tok)
	}
	for _, tok := range extra {
		if tok != "" {
			given = append(given, tok)
		}
	}
	if len(given) == 0 {
		return errNoCredentials("no token")
	}
	ok := false
	for _, tok := range given {
		// Every candidate is compared, so the time taken does not tell
		// which one matched.
		if equalSecret(want, tok) {
			ok = true
		}
	}
	if !ok {
		return errBadCredentials("wrong token")
	}
	return nil
}

// checkFresh refuses a unix-seconds timestamp more than Tolerance away from
// now.
func (r *request) checkFresh(ts string) error {
	sec, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil {
		return errBadCredentials("timestamp is not a number")
	}
	at := time.Unix(sec, 0)
	if d := r.h.now().Sub(at); d > Tolerance || d < -Tolerance {
		return errStale("timestamp off by " + d.Round(time.Second).String())
	}
	return nil
}
