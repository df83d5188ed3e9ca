package otp

import (
	"unicode"
	"unicode/utf8"
)

// Words frequent in short service messages of each language written in
// Latin script. A word may belong to several languages.
var stopwords = map[string][]string{
	"en": {"the", "your", "you", "is", "to", "for", "this", "and", "of", "with", "not", "do", "don't", "dont", "share", "it", "use", "will", "never", "please", "are", "has", "been", "expires", "anyone", "valid", "our", "we", "verification", "code", "account", "sign", "enter", "security", "one-time", "password", "login", "here", "if", "didn't", "request", "ask", "happy", "can", "be", "or", "reply", "thanks", "thank", "within", "from", "by", "an", "at"},
	"es": {"tu", "su", "el", "la", "es", "de", "para", "código", "no", "lo", "con", "por", "que", "los", "las", "cuenta", "nadie", "verificación", "compartas", "usa", "ingresa", "válido", "minutos", "este", "del", "al", "una", "un", "clave", "contraseña", "seguridad", "nunca"},
	"pt": {"seu", "sua", "o", "é", "de", "para", "código", "não", "com", "por", "que", "os", "as", "conta", "ninguém", "verificação", "compartilhe", "válido", "minutos", "este", "do", "da", "um", "uma", "senha", "você", "nunca", "segurança", "seguro"},
	"fr": {"votre", "vous", "le", "la", "est", "de", "pour", "code", "ne", "pas", "ce", "avec", "par", "que", "les", "des", "compte", "personne", "vérification", "partagez", "utilisez", "valable", "minutes", "une", "du", "au", "et", "jamais", "sécurité", "passe"},
	"de": {"ihr", "ist", "der", "die", "das", "und", "nicht", "für", "mit", "code", "sie", "dein", "deine", "bitte", "konto", "niemandem", "gültig", "minuten", "zu", "den", "von", "ein", "eine", "lautet", "bestätigungscode", "sicherheitscode", "weiter"},
	"it": {"il", "tuo", "tua", "è", "di", "per", "codice", "non", "con", "che", "lo", "la", "conto", "nessuno", "verifica", "condividere", "valido", "minuti", "questo", "del", "un", "una", "accesso"},
	"tr": {"kodunuz", "kodu", "için", "ve", "bu", "ile", "bir", "doğrulama", "şifre", "kimseyle", "paylaşmayın", "hesabınız", "geçerli", "dakika", "kod", "olan", "değil", "sizin", "giriş", "şifreniz", "tek", "kullanımlık"},
	"id": {"kode", "anda", "untuk", "jangan", "dan", "ini", "yang", "verifikasi", "berlaku", "menit", "akun", "kepada", "siapapun", "siapa", "pun", "adalah", "rahasiakan", "dengan", "masuk", "kamu", "berikan"},
	"vi": {"mã", "của", "bạn", "là", "không", "cho", "xác", "thực", "minh", "có", "trong", "phút", "tài", "khoản", "với", "này", "được", "và", "chia", "sẻ", "ai"},
	"pl": {"twój", "twoj", "kod", "jest", "nie", "dla", "do", "i", "w", "z", "konto", "weryfikacyjny", "ważny", "minut", "udostępniaj", "nikomu", "się", "na", "to", "logowania"},
	"nl": {"uw", "je", "jouw", "is", "de", "het", "een", "voor", "code", "niet", "met", "van", "verificatiecode", "geldig", "minuten", "deel", "niemand", "en", "inloggen"},
}

// stopIndex maps each stopword to its languages.
var stopIndex = func() map[string][]string {
	m := make(map[string][]string)
	for lang, words := range stopwords {
		for _, w := range words {
			m[w] = append(m[w], lang)
		}
	}
	return m
}()

// letterHints are letters that belong to few of the Latin-script
// languages.
var letterHints = map[rune][]string{
	'ñ': {"es"}, '¿': {"es"}, '¡': {"es"}, 'ã': {"pt"}, 'õ': {"pt"}, 'ç': {"pt", "fr", "tr"},
	'ß': {"de"}, 'ä': {"de"}, 'ö': {"de", "tr"}, 'ü': {"de", "tr"}, 'ğ': {"tr"}, 'ş': {"tr"},
	'ı': {"tr"}, 'ł': {"pl"}, 'ą': {"pl"}, 'ę': {"pl"}, 'ś': {"pl"}, 'ź': {"pl"}, 'ż': {"pl"},
	'ć': {"pl"}, 'ń': {"pl"}, 'è': {"fr", "it"}, 'ê': {"fr", "pt", "vi"}, 'à': {"fr", "it", "pt"},
	'ù': {"fr", "it"}, 'œ': {"fr"}, 'ò': {"it"}, 'ơ': {"vi"}, 'ư': {"vi"}, 'đ': {"vi"},
}

// language tells the language of the body by its script and, for Latin
// script, by its frequent words and letters; "" when it cannot tell.
func (sc *scan) language() string {
	var latin, cyr, ukr, arabic, persian, han, kana, hangul, deva, thai, hebrew, greek, other int
	for _, r := range sc.s {
		if r < utf8.RuneSelf {
			if isLetter(byte(r)) {
				latin++
			}
			continue
		}
		if !unicode.IsLetter(r) {
			continue
		}
		switch {
		case r < 0x250 || (r >= 0x1E00 && r <= 0x1EFF):
			latin++
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
			if r == 'і' || r == 'ї' || r == 'є' || r == 'ґ' || r == 'І' || r == 'Ї' || r == 'Є' || r == 'Ґ' {
				ukr++
			}
		case unicode.Is(unicode.Arabic, r):
			arabic++
			if r == 'پ' || r == 'چ' || r == 'ژ' || r == 'گ' || r == 'ی' || r == 'ک' {
				persian++
			}
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Devanagari, r):
			deva++
		case unicode.Is(unicode.Thai, r):
			thai++
		case unicode.Is(unicode.Hebrew, r):
			hebrew++
		case unicode.Is(unicode.Greek, r):
			greek++
		default:
			other++
		}
	}
	total := latin + cyr + arabic + han + kana + hangul + deva + thai + hebrew + greek + other
	if total == 0 {
		return ""
	}
	share := func(n int) bool { return n > 0 && n*5 >= total } // a fifth of the letters
	switch {
	case kana > 0 && share(kana+han):
		return "ja"
	case share(hangul):
		return "ko"
	case share(han):
		return "zh"
	case share(cyr):
		if ukr > 0 {
			return "uk"
		}
		return "ru"
	case share(arabic):
		if persian > 0 {
			return "fa"
		}
		return "ar"
	case share(deva):
		return "hi"
	case share(thai):
		return "th"
	case share(hebrew):
		return "he"
	case share(greek):
		return "el"
	case latin == 0:
		return ""
	}
	return sc.latinLanguage()
}

func (sc *scan) latinLanguage() string {
	score := make(map[string]int, len(stopwords))
	for _, w := range sc.words {
		for _, lang := range stopIndex[w.lower] {
			score[lang] += 2
		}
	}
	for _, r := range sc.s {
		if r < 0xC0 && r != '¿' && r != '¡' {
			continue
		}
		r = unicode.ToLower(r)
		if r >= 0x1EA0 && r <= 0x1EF9 {
			score["vi"] += 2
			continue
		}
		for _, lang := range letterHints[r] {
			score[lang]++
		}
	}
	best, bestScore, tie := "", 0, false
	for lang, n := range score {
		switch {
		case n > bestScore:
			best, bestScore, tie = lang, n, false
		case n == bestScore:
			tie = true
		}
	}
	if tie || bestScore < 2 {
		return ""
	}
	return best
}
